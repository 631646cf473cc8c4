package dev.kvmop.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MarkerReaderTest {
  static final byte[] NEEDLE = "\nM1 ".getBytes(StandardCharsets.US_ASCII);

  /** Hands out one byte per read, so the marker and a multi-byte character straddle reads. */
  static InputStream trickle(String s) {
    ByteArrayInputStream in = new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    return new InputStream() {
      @Override
      public int read() {
        return in.read();
      }

      @Override
      public int read(byte[] b, int off, int len) {
        return len == 0 ? 0 : in.read(b, off, 1);
      }
    };
  }

  @Test
  void findsAMarkerSplitAcrossReads() throws Exception {
    MarkerReader.Found f = MarkerReader.readUntil(trickle("héllo\nwörld\nM1 42\n"), NEEDLE, true);
    assertThat(new String(f.content(), StandardCharsets.UTF_8)).isEqualTo("héllo\nwörld");
    assertThat(f.rest()).isEqualTo("42");
  }

  @Test
  void ignoresMarkerLookalikesInTheOutput() throws Exception {
    MarkerReader.Found f = MarkerReader.readUntil(trickle("M1 x\n\nM2 3\n\nM1 0\n"), NEEDLE, true);
    assertThat(new String(f.content(), StandardCharsets.UTF_8)).isEqualTo("M1 x\n\nM2 3\n");
  }

  @Test
  void endOfStreamBeforeTheMarkerFails() {
    assertThatThrownBy(() -> MarkerReader.readUntil(trickle("partial\nM1"), NEEDLE, true))
        .isInstanceOf(EOFException.class);
  }
}
