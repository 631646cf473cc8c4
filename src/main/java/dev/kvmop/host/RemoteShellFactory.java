package dev.kvmop.host;

/** Opens connections; the SSH implementation lives in {@code host.ssh}. */
public interface RemoteShellFactory {
  /**
   * Connects, verifies the host key per the target's policy and authenticates.
   *
   * @throws HostException with reason HostKeyMismatch, AuthenticationFailed, InvalidCredentials or
   *     Unreachable
   */
  RemoteShell connect(SshTarget target) throws HostException;
}
