package dev.kvmop.testing;

import java.util.HexFormat;

/**
 * A 64 KiB firmware image for qemu {@code -machine pc} that echoes every byte its first serial port
 * receives, with no guest OS: a real qemu behind the console socket that answers what a console
 * client types. It polls the UART, so it keeps one host CPU busy while it runs.
 */
public final class SerialEchoBios {
  private SerialEchoBios() {}

  public static byte[] image() {
    byte[] img = new byte[65536];
    java.util.Arrays.fill(img, (byte) 0xF4); // hlt
    byte[] code =
        HexFormat.of()
            .parseHex(
                "BAFD03" // 0x00: mov dx, 0x3FD (COM1 line status)
                    + "EC" // 0x03: in al, dx
                    + "A801" // 0x04: test al, 1 (data ready)
                    + "74F8" // 0x06: jz 0x00
                    + "BAF803" // 0x08: mov dx, 0x3F8 (COM1 data)
                    + "EC" // 0x0B: in al, dx
                    + "EE" // 0x0C: out dx, al
                    + "EBF1"); // 0x0D: jmp 0x00
    System.arraycopy(code, 0, img, 0, code.length);
    byte[] reset = {(byte) 0xE9, 0x0D, 0x00}; // jmp near 0x0000
    System.arraycopy(reset, 0, img, 0xFFF0, reset.length);
    return img;
  }
}
