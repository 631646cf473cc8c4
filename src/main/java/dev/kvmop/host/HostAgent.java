package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;

/**
 * Domain verbs on one host. Every verb is idempotent, so a reconciler may repeat any of them after
 * a crash or a retry. Reconcilers talk to hosts only through this interface; they never build
 * command strings.
 */
public interface HostAgent {
  /** Reads kernel, CPU, memory, boot id and qemu facts in one remote command. */
  HostFacts probeFacts(String qemuBinary) throws HostException;

  /** Creates the operator's directory layout below {@code workDir}. */
  void ensureWorkDir(String workDir) throws HostException;

  /** Removes what the operator put below {@code workDir}. */
  void removeWorkDir(String workDir) throws HostException;

  /** SHA256 fingerprint of the host key the connection verified. */
  String hostKeyFingerprint();
}
