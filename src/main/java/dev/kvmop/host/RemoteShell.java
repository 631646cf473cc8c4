package dev.kvmop.host;

import java.time.Duration;

/**
 * One live connection to one host. Short commands run through a long-lived remote shell session so
 * that none pays the login shell's start-up; long jobs get their own channel. Implementations are
 * thread-safe and cap concurrent channels at the target's maxSessions.
 */
public interface RemoteShell extends AutoCloseable {
  /** Runs a short command through the persistent shell session. */
  CommandResult run(Command command) throws HostException;

  /** Runs a long job (a build) on its own exec channel. */
  CommandResult runOnOwnChannel(Command command) throws HostException;

  /**
   * Starts a command on its own channel and hands over its streams; the command's timeout bounds
   * only the opening of the channel.
   */
  RemoteProcess start(Command command) throws HostException;

  /** Whether a TCP connection from the host to {@code address:port} succeeds (direct-tcpip). */
  boolean canConnect(String address, int port, Duration timeout) throws HostException;

  /** SHA256 fingerprint ("SHA256:...") of the host key the server presented. */
  String hostKeyFingerprint();

  /** False once the transport is gone; the owner then opens a new one. */
  boolean isConnected();

  @Override
  void close();
}
