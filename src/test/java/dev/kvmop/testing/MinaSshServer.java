package dev.kvmop.testing;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.host.SshTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Embedded MINA SSH server on 127.0.0.1 that runs exec requests through the real {@code /bin/sh -c}
 * (as OpenSSH does) as the JVM user. Use with {@code @RegisterExtension static} or start/stop it
 * yourself. Unlike OpenSSH it has no MaxSessions cap; see {@link OpenSshServer} for that.
 */
public final class MinaSshServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private final KeyPair hostKey;
  private final List<PublicKey> authorized = new CopyOnWriteArrayList<>();
  private final List<String> execs = new CopyOnWriteArrayList<>();
  private final AtomicInteger execCount = new AtomicInteger();
  private final Map<String, String> environment = new ConcurrentHashMap<>();
  private final List<String> wrapper = new CopyOnWriteArrayList<>();
  private SshServer sshd;

  public MinaSshServer() {
    try {
      hostKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an ed25519 host key", e);
    }
  }

  /** Allows a client key, given as its OpenSSH public key line. */
  public MinaSshServer authorize(String publicKeyLine) {
    try {
      authorized.add(
          AuthorizedKeyEntry.parseAuthorizedKeyEntry(publicKeyLine)
              .resolvePublicKey(null, PublicKeyEntryResolver.FAILING));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("bad public key line", e);
    }
    return this;
  }

  /**
   * Sets a variable in the environment of every command (as OpenSSH's {@code SetEnv} does), e.g.
   * the KVMOP_* overrides a test host presents; for commands started after this call.
   */
  public MinaSshServer environment(String name, String value) {
    environment.put(name, value);
    return this;
  }

  /**
   * Runs every command under this argv prefix (which must exec the argv that follows it), e.g. an
   * {@code unshare --mount} that hides programs from the commands; for commands started after this
   * call.
   */
  public MinaSshServer wrappedIn(List<String> prefix) {
    wrapper.clear();
    wrapper.addAll(prefix);
    return this;
  }

  public synchronized MinaSshServer start() {
    if (sshd != null) {
      return this;
    }
    SshServer s = SshServer.setUpDefaultServer();
    s.setHost("127.0.0.1");
    s.setPort(0);
    s.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    s.setPublickeyAuthenticator(
        (user, key, session) -> authorized.stream().anyMatch(k -> KeyUtils.compareKeys(k, key)));
    // ProcessShellCommandFactory would split the line itself, without a shell: use sh -c like sshd.
    s.setCommandFactory(
        (channel, command) -> {
          execCount.incrementAndGet();
          execs.add(command);
          return new ProcessShellFactory(command, shellArgv(command)).createShell(channel);
        });
    s.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    s.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
    try {
      s.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sshd = s;
    return this;
  }

  /** {@code [wrapper...] env NAME=value... /bin/sh -c <command>}. */
  private String[] shellArgv(String command) {
    List<String> argv = new ArrayList<>(wrapper);
    argv.add("/usr/bin/env");
    environment.forEach((k, v) -> argv.add(k + "=" + v));
    argv.addAll(List.of("/bin/sh", "-c", command));
    return argv.toArray(String[]::new);
  }

  public synchronized void stop() {
    if (sshd != null) {
      try {
        sshd.stop(true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        sshd = null;
      }
    }
  }

  public int port() {
    return sshd.getPort();
  }

  /** "ssh-ed25519 AAAA..." */
  public String hostKeyLine() {
    return PublicKeyEntry.toString(hostKey.getPublic());
  }

  /** "SHA256:..." as OpenSSH prints it. */
  public String hostKeyFingerprint() {
    return KeyUtils.getFingerPrint(BuiltinDigests.sha256, hostKey.getPublic());
  }

  /** A target for this server as root (any user is the JVM user here), host key pinned. */
  public SshTarget target(String hostId, String privateKey, int maxSessions) {
    return new SshTarget(
        hostId,
        "127.0.0.1",
        port(),
        "root",
        privateKey,
        null,
        HostKeyPolicy.Pinned,
        hostKeyLine(),
        maxSessions);
  }

  /** Exec requests received so far (each is one SSH session). */
  public int execCount() {
    return execCount.get();
  }

  public List<String> execs() {
    return List.copyOf(execs);
  }

  @Override
  public void close() {
    stop();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }
}
