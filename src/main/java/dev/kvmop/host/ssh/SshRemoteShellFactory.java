package dev.kvmop.host.ssh;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.CommandListener;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.RemoteShellFactory;
import dev.kvmop.host.SshTarget;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/** Opens sshj connections: verifies the host key per policy, then authenticates with the key. */
public final class SshRemoteShellFactory implements RemoteShellFactory {
  /** Safe to share between clients; building it scans the JCA providers, so do that once. */
  private static final DefaultConfig CONFIG = newConfig();

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The whole of TCP connect, banner, key exchange and authentication: a peer that accepts TCP and
   * then says nothing (or trickles) would otherwise block the connect, and the host's lock,
   * forever.
   */
  public static final Duration HANDSHAKE_DEADLINE = Duration.ofSeconds(20);

  /** Closes the socket of a handshake that outlives its deadline; one thread for all hosts. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          dev.kvmop.concurrent.DaemonThreads.named("ssh-handshake-watchdog"));

  /** With KEEP_ALIVE, 5 unanswered probes (~50 s) declare the peer dead and drop the transport. */
  private static final int KEEP_ALIVE_SECONDS = 10;

  private final CommandListener listener;

  public SshRemoteShellFactory() {
    this(CommandListener.NONE);
  }

  public SshRemoteShellFactory(CommandListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public RemoteShell connect(SshTarget target) throws HostException {
    HostKeyCheck check = new HostKeyCheck(expectedKey(target));
    SSHClient ssh = new SSHClient(CONFIG);
    boolean connected = false;
    try {
      KeyProvider keys = ClientKeys.load(ssh, target);
      ssh.addHostKeyVerifier(check);
      ssh.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      ssh.getConnection().getKeepAlive().setKeepAliveInterval(KEEP_ALIVE_SECONDS);
      handshake(ssh, target, check, keys);
      RemoteShell shell = new SshRemoteShell(target, ssh, check.presented(), listener);
      connected = true;
      return shell;
    } finally {
      if (!connected) {
        closeQuietly(ssh);
      }
    }
  }

  private static ExpectedHostKey expectedKey(SshTarget target) throws HostException {
    String expected = target.expectedHostKey();
    if (expected == null || expected.isBlank()) {
      if (target.policy() == HostKeyPolicy.TrustOnFirstUse) {
        return null;
      }
      throw new HostException(
          Reason.HostKeyMismatch,
          "host key policy of " + target.hostId() + " is Pinned but no host key is pinned");
    }
    return ExpectedHostKey.parse(expected);
  }

  private static void handshake(
      SSHClient ssh, SshTarget target, HostKeyCheck check, KeyProvider keys) throws HostException {
    AtomicBoolean expired = new AtomicBoolean();
    ScheduledFuture<?> watchdog =
        WATCHDOG.schedule(
            () -> {
              expired.set(true);
              closeSocket(ssh);
            },
            HANDSHAKE_DEADLINE.toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      openTransport(ssh, target, check);
      authenticate(ssh, target, keys);
    } catch (HostException e) {
      if (expired.get()) {
        throw new HostException(
            Reason.Unreachable,
            "no SSH handshake within "
                + HANDSHAKE_DEADLINE.toSeconds()
                + " s from "
                + target.address()
                + ":"
                + target.port()
                + " (it accepts TCP but does not complete the SSH handshake)",
            e);
      }
      throw e;
    } finally {
      watchdog.cancel(false);
    }
  }

  /** Unblocks a handshake read from another thread; the caller then closes the client. */
  private static void closeSocket(SSHClient ssh) {
    try {
      java.net.Socket socket = ssh.getSocket();
      if (socket != null) {
        socket.close();
      }
    } catch (IOException | RuntimeException ignored) {
      // Already closed: the handshake has ended either way.
    }
  }

  private static void openTransport(SSHClient ssh, SshTarget target, HostKeyCheck check)
      throws HostException {
    try {
      ssh.connect(target.address(), target.port());
    } catch (TransportException e) {
      if (check.mismatched()) {
        throw new HostException(
            Reason.HostKeyMismatch,
            "host key of "
                + target.address()
                + ":"
                + target.port()
                + " does not match: expected "
                + check.expectedFingerprint()
                + ", presented "
                + check.presented());
      }
      throw unreachable(target, e);
    } catch (IOException e) {
      throw unreachable(target, e);
    }
  }

  private static void authenticate(SSHClient ssh, SshTarget target, KeyProvider keys)
      throws HostException {
    try {
      ssh.authPublickey(target.user(), keys);
    } catch (UserAuthException e) {
      throw new HostException(
          Reason.AuthenticationFailed,
          "server "
              + target.address()
              + ":"
              + target.port()
              + " refused the key for user "
              + target.user());
    } catch (TransportException e) {
      throw unreachable(target, e);
    }
  }

  private static HostException unreachable(SshTarget target, Exception e) {
    return new HostException(
        Reason.Unreachable,
        "cannot reach "
            + target.address()
            + ":"
            + target.port()
            + ": "
            + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : " " + e.getMessage()),
        e);
  }

  private static DefaultConfig newConfig() {
    DefaultConfig config = new DefaultConfig();
    config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
    return config;
  }

  static void closeQuietly(SSHClient ssh) {
    try {
      ssh.close();
    } catch (IOException | RuntimeException ignored) {
      // Closing is best effort: the connection is being abandoned either way.
    }
  }
}
