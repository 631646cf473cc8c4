package dev.kvmop.host.ssh;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a stream of the persistent shell up to a marker line. Works on bytes, so a multi-byte
 * character split across reads is never decoded in halves.
 */
final class MarkerReader {
  /** What preceded the marker, and the rest of the marker line after the needle. */
  record Found(byte[] content, String rest) {}

  private MarkerReader() {}

  /**
   * Reads until {@code needle}; with {@code lineRest}, also until the end of that line, which is
   * then returned in {@link Found#rest()} (the exit code on stdout).
   */
  static Found readUntil(InputStream in, byte[] needle, boolean lineRest) throws IOException {
    byte[] buf = new byte[8192];
    int len = 0;
    int scanFrom = 0;
    int at = -1;
    byte[] chunk = new byte[32 * 1024];
    while (true) {
      if (at < 0) {
        at = indexOf(buf, len, needle, Math.max(0, scanFrom - needle.length + 1));
        scanFrom = len;
      }
      if (at >= 0) {
        if (!lineRest) {
          return new Found(Arrays.copyOf(buf, at), "");
        }
        int restStart = at + needle.length;
        int eol = indexOf(buf, len, new byte[] {'\n'}, restStart);
        if (eol >= 0) {
          return new Found(
              Arrays.copyOf(buf, at),
              new String(buf, restStart, eol - restStart, java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      int n = in.read(chunk);
      if (n < 0) {
        throw new EOFException("remote shell stream ended before the end marker");
      }
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
      System.arraycopy(chunk, 0, buf, len, n);
      len += n;
    }
  }

  static int indexOf(byte[] hay, int hayLen, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hayLen - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
