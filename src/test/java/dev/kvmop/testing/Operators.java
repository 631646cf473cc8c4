package dev.kvmop.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator processes of one {@link E2EEnvironment}: each started against its kubeconfig with a
 * log file of its own in the environment's directory, all stopped together.
 */
public final class Operators {
  private final Path kubeconfig;
  private final Path logDir;
  private final List<OperatorProcess> started = new CopyOnWriteArrayList<>();
  private final AtomicInteger runs = new AtomicInteger();
  private final boolean serverSideApply;

  /**
   * @param serverSideApply whether operators write with server-side apply (a real API server) or
   *     not (the embedded CRUD API has none)
   */
  Operators(Path kubeconfig, Path logDir, boolean serverSideApply) {
    this.kubeconfig = kubeconfig;
    this.logDir = logDir;
    this.serverSideApply = serverSideApply;
  }

  /** Starts an operator with extra environment and extra {@code run} arguments; waits for ready. */
  public OperatorProcess start(Map<String, String> env, List<String> args) {
    OperatorProcess op =
        new OperatorProcess(
                kubeconfig,
                logDir.resolve("operator-" + runs.incrementAndGet() + ".log"),
                args,
                env)
            .serverSideApply(serverSideApply);
    started.add(op);
    return op.start();
  }

  /**
   * Starts an operator armed to halt at a {@code CrashPoints} point; does not wait for it to be
   * ready, since it may halt first.
   */
  public OperatorProcess startCrashing(String point) {
    OperatorProcess op =
        new OperatorProcess(
                kubeconfig,
                logDir.resolve("operator-" + runs.incrementAndGet() + "-" + point + ".log"),
                List.of(),
                Map.of("KVMOP_CRASH_POINT", point))
            .serverSideApply(serverSideApply);
    started.add(op);
    return op.start(false);
  }

  /** Every operator log so far, for failure messages and secret checks. */
  public String logs() {
    StringBuilder all = new StringBuilder();
    started.forEach(o -> all.append(o.log()));
    return all.toString();
  }

  /** Thread dumps of the running operators (jstack), for failure messages. */
  public String threadDumps() {
    StringBuilder all = new StringBuilder();
    for (OperatorProcess o : started) {
      if (o.isAlive()) {
        all.append(threadDump(o.pid()));
      }
    }
    return all.toString();
  }

  public void stopAll() {
    started.forEach(OperatorProcess::stop);
  }

  private static String threadDump(long pid) {
    try {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                  Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(jstack failed: " + e + ")";
    }
  }
}
