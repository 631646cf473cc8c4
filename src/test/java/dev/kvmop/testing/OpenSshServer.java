package dev.kvmop.testing;

import static org.awaitility.Awaitility.await;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.SshTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real OpenSSH {@code sshd} on a free 127.0.0.1 port with a private config, host key and
 * authorized_keys in a temp dir: the server the E2E tier talks to. It enforces what MINA does not,
 * such as MaxSessions=10 per connection and a login shell started for every exec.
 *
 * <p>The login shell skips the user's {@code ~/.bashrc} (SHLVL=1 makes bash think it is not the
 * top-level shell ssh started): a build machine's root rc file is no part of what is tested, and
 * one that runs {@code pyenv init} takes seconds per channel and waits 60 s on pyenv's lock when a
 * session was killed mid-start, which the fault tests do on purpose.
 */
public final class OpenSshServer implements AutoCloseable {
  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  private final Path dir;
  private final List<String> extraConfig;
  private int port;
  private Process process;

  /**
   * @param extraConfig sshd_config lines appended to the base config (e.g. "SetEnv PATH=...")
   */
  public OpenSshServer(List<String> extraConfig) {
    this.extraConfig = List.copyOf(extraConfig);
    try {
      dir = Files.createTempDirectory("kvmop-sshd");
      Files.writeString(dir.resolve("authorized_keys"), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SshKeys.hostKey(hostKeyFile());
  }

  public OpenSshServer() {
    this(List.of());
  }

  public static boolean available() {
    return Files.isExecutable(SSHD);
  }

  /** Appends a client public key line to authorized_keys (read by sshd at each login). */
  public OpenSshServer authorize(String publicKeyLine) {
    try {
      Files.writeString(
          dir.resolve("authorized_keys"),
          publicKeyLine.strip() + "\n",
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public synchronized OpenSshServer start() {
    if (process != null) {
      return this;
    }
    try {
      // sshd insists on its privilege separation directory even with a private config.
      Files.createDirectories(Path.of("/run/sshd"));
      if (port == 0) {
        port = freePort();
      }
      Path config = dir.resolve("sshd_config");
      Files.writeString(config, String.join("\n", config()) + "\n");
      process =
          new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log").toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process p = process;
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !p.isAlive() || accepts(port));
    if (!p.isAlive()) {
      process = null;
      throw new IllegalStateException("sshd exited: " + log());
    }
    return this;
  }

  /**
   * Stops the listener and every per-connection sshd child, so established connections drop too, as
   * when the host goes away. (Stopping only the listener leaves live sessions working.)
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
    int p = port;
    await().atMost(Duration.ofSeconds(10)).until(() -> !accepts(p));
  }

  /**
   * Drops every established connection while the listener stays up: SIGKILL for the per-connection
   * sshd processes only, so the commands they run lose their client (stdin closes, output goes
   * nowhere) as when a network link breaks, and the client must reconnect.
   *
   * @return how many sshd connection processes were killed
   */
  public synchronized int dropConnections() {
    if (process == null) {
      return 0;
    }
    List<ProcessHandle> sessions =
        process
            .descendants()
            .filter(p -> p.info().command().map(c -> c.equals(SSHD.toString())).orElse(false))
            .toList();
    sessions.forEach(ProcessHandle::destroyForcibly);
    return sessions.size();
  }

  /** Stops and starts again on the same port (connections drop, as on a host reboot). */
  public OpenSshServer restart() {
    stop();
    return start();
  }

  /**
   * Generates a new host key; takes effect at the next (re)start, which happens here if running.
   */
  public synchronized OpenSshServer replaceHostKey() {
    boolean running = process != null;
    try {
      Files.deleteIfExists(hostKeyFile());
      Files.deleteIfExists(Path.of(hostKeyFile() + ".pub"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SshKeys.hostKey(hostKeyFile());
    return running ? restart() : this;
  }

  public int port() {
    return port;
  }

  /** The listening sshd's pid (its children are the per-connection sessions); -1 when stopped. */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  public Path dir() {
    return dir;
  }

  /** "ssh-ed25519 AAAA... host" */
  public String hostKeyLine() {
    try {
      return Files.readString(Path.of(hostKeyFile() + ".pub"), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String hostKeyFingerprint() {
    return SshKeys.fingerprint(Path.of(hostKeyFile() + ".pub"));
  }

  /** A target for this server as the JVM's user (sshd runs as that user), host key pinned. */
  public SshTarget target(String hostId, String privateKey, int maxSessions) {
    return new SshTarget(
        hostId,
        "127.0.0.1",
        port(),
        System.getProperty("user.name"),
        privateKey,
        null,
        HostKeyPolicy.Pinned,
        hostKeyLine(),
        maxSessions);
  }

  public String log() {
    try {
      Path log = dir.resolve("sshd.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    stop();
  }

  private List<String> config() {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKeyFile(),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PermitRootLogin yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PidFile " + dir.resolve("sshd.pid"),
                "Subsystem sftp internal-sftp"));
    // sshd takes the first SetEnv line only: one line with ours and the caller's variables.
    StringBuilder setEnv = new StringBuilder("SetEnv SHLVL=1");
    for (String line : extraConfig) {
      if (line.startsWith("SetEnv ")) {
        setEnv.append(line.substring("SetEnv".length()));
      } else {
        lines.add(line);
      }
    }
    lines.add(setEnv.toString());
    return lines;
  }

  private Path hostKeyFile() {
    return dir.resolve("host_ed25519");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
