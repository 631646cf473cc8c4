package dev.kvmop.host;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A remote command whose input and output stream while it runs (a console, a log follower), on a
 * channel of its own that it holds until {@link #close()}.
 */
public interface RemoteProcess extends AutoCloseable {
  /** The command's stdin; closing it sends end-of-file. */
  OutputStream stdin();

  /** The command's stdout; ends when the command ends. */
  InputStream stdout();

  /** The command's stderr; the caller must drain it. */
  InputStream stderr();

  /**
   * The exit status, waiting up to {@code wait} for the command to end; empty while it still runs
   * or when a signal ended it.
   */
  OptionalInt exitStatus(Duration wait);

  /** Closes the channel: the command sees its stdin end. Idempotent. */
  @Override
  void close();
}
