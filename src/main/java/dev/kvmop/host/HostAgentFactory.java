package dev.kvmop.host;

/** Gives the agent of a host, connected (or reconnected) as needed. */
public interface HostAgentFactory {
  HostAgent agentFor(SshTarget target) throws HostException;

  /** Forgets the host's connection (host deleted or its settings withdrawn). */
  void forget(String hostId);
}
