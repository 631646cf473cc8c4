package dev.kvmop.testing;

import java.util.HexFormat;

/**
 * A 64 KiB firmware image for qemu {@code -machine pc}: its reset vector enables the PIIX4 PM I/O
 * space and writes SLP_EN with SLP_TYP 0 (S5) to PM1a_CNT, so qemu reports a guest-initiated
 * shutdown ({@code SHUTDOWN {"guest": true}}) with no guest OS at all. With a delay, it first spins
 * for a while so the operator's event watcher is connected when it happens.
 */
public final class PoweroffBios {
  private PoweroffBios() {}

  public static byte[] image(boolean delay) {
    byte[] img = new byte[65536];
    java.util.Arrays.fill(img, (byte) 0xF4); // hlt
    String spin =
        delay
            ? "66B900000010" // mov ecx, 0x10000000
                + "67E2FD" // a32 loop $ (counts ECX down)
            : "";
    byte[] code =
        HexFormat.of()
            .parseHex(
                spin
                    + "66B8400B0080BAF80C66EF" // out 0xCF8 <- 0x80000B40 (00:01.3 PMBA)
                    + "66B801060000BAFC0C66EF" // out 0xCFC <- 0x601 (PM base 0x600)
                    + "66B8800B0080BAF80C66EF" // out 0xCF8 <- 0x80000B80 (PMREGMISC)
                    + "B001BAFC0CEE" // outb 0xCFC <- 1 (PM I/O space on)
                    + "BA0406B80020EF" // outw 0x604 (PM1a_CNT) <- SLP_EN | SLP_TYP 0
                    + "F4EBFD"); // hlt; jmp hlt
    System.arraycopy(code, 0, img, 0, code.length);
    byte[] reset = {(byte) 0xE9, 0x0D, 0x00}; // jmp near 0x0000
    System.arraycopy(reset, 0, img, 0xFFF0, reset.length);
    return img;
  }
}
