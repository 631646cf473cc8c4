package dev.kvmop.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The local terminal in raw mode (every key as typed, no local echo, Ctrl-C to the guest) for as
 * long as a console is attached, through {@code stty} on this process's stdin. Restored on close
 * and, should the JVM be stopped meanwhile (SIGTERM, SIGHUP), by a shutdown hook. When stdin is no
 * terminal (a pipe, a test) nothing is changed.
 */
final class RawTerminal implements AutoCloseable {
  private static final RawTerminal NONE = new RawTerminal(null);

  private final String saved;
  private final AtomicBoolean restored = new AtomicBoolean();
  private final Thread hook;

  private RawTerminal(String saved) {
    this.saved = saved;
    this.hook = saved == null ? null : new Thread(this::restore, "terminal-restore");
  }

  /** Puts stdin's terminal in raw mode; a no-op when stdin is not a terminal. */
  static RawTerminal enter() {
    if (!stdinIsTerminal()) {
      return NONE;
    }
    String saved = stty("-g");
    if (saved == null || saved.isBlank()) {
      return NONE;
    }
    RawTerminal raw = new RawTerminal(saved.strip());
    Runtime.getRuntime().addShutdownHook(raw.hook);
    stty("raw", "-echo");
    return raw;
  }

  /** Whether the terminal is in raw mode (stdin is one). */
  boolean active() {
    return saved != null;
  }

  @Override
  public void close() {
    if (saved == null) {
      return;
    }
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already stopping: the hook restores (again, harmlessly).
    }
  }

  private void restore() {
    if (restored.compareAndSet(false, true)) {
      stty(saved);
    }
  }

  private static boolean stdinIsTerminal() {
    return run(List.of("sh", "-c", "[ -t 0 ]")) != null;
  }

  private static String stty(String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("stty"));
    argv.addAll(List.of(args));
    return run(argv);
  }

  /** Runs a command on this process's stdin; its stdout, or null when it failed. */
  private static String run(List<String> argv) {
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
