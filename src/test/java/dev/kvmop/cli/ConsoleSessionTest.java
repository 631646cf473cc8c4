package dev.kvmop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.host.RemoteProcess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The relay between the terminal and the console's streams, without a host. */
class ConsoleSessionTest {
  @Test
  void ctrlRightBracketDetachesAndIsNotSent() throws Exception {
    FakeConsole console = new FakeConsole();
    ByteArrayInputStream typed = input("ls\r\u001dnever sent");
    ConsoleSession.End end = new ConsoleSession(typed, new ByteArrayOutputStream()).attach(console);
    assertThat(end).isEqualTo(ConsoleSession.End.DETACHED);
    assertThat(console.sent.toString(StandardCharsets.UTF_8)).isEqualTo("ls\r");
  }

  @Test
  void theEndOfInputDetachesToo() throws Exception {
    FakeConsole console = new FakeConsole();
    ConsoleSession.End end =
        new ConsoleSession(input("a\rb\r"), new ByteArrayOutputStream()).attach(console);
    assertThat(end).isEqualTo(ConsoleSession.End.INPUT_ENDED);
    assertThat(console.sent.toString(StandardCharsets.UTF_8)).isEqualTo("a\rb\r");
  }

  @Test
  void whatTheGuestWritesIsPrintedUntilTheConsoleEnds() throws Exception {
    FakeConsole console = new FakeConsole();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    // Input that never ends, like a terminal nobody types on.
    PipedOutputStream keyboard = new PipedOutputStream();
    PipedInputStream idle = new PipedInputStream(keyboard);
    console.guestWrites.write("login: \u001b[0m".getBytes(StandardCharsets.UTF_8));
    console.guestWrites.close();
    ConsoleSession.End end = new ConsoleSession(idle, printed).attach(console);
    assertThat(end).isEqualTo(ConsoleSession.End.CONSOLE_ENDED);
    assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo("login: \u001b[0m");
    keyboard.close();
  }

  static ByteArrayInputStream input(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A console whose output the test writes and whose input it records. */
  static final class FakeConsole implements RemoteProcess {
    final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    final PipedOutputStream guestWrites = new PipedOutputStream();
    private final PipedInputStream output;

    FakeConsole() throws java.io.IOException {
      output = new PipedInputStream(guestWrites);
    }

    @Override
    public OutputStream stdin() {
      return sent;
    }

    @Override
    public InputStream stdout() {
      return output;
    }

    @Override
    public InputStream stderr() {
      return InputStream.nullInputStream();
    }

    @Override
    public OptionalInt exitStatus(Duration wait) {
      return OptionalInt.of(0);
    }

    @Override
    public void close() {}
  }
}
