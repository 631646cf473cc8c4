package dev.kvmop.host;

/** Agents over the cached SSH connections: one connection per host, reused by every verb. */
public final class ConnectedHostAgents implements HostAgentFactory {
  private final HostConnections connections;

  public ConnectedHostAgents(HostConnections connections) {
    this.connections = connections;
  }

  @Override
  public HostAgent agentFor(SshTarget target) throws HostException {
    return new ShellHostAgent(connections.get(target));
  }

  @Override
  public void forget(String hostId) {
    connections.drop(hostId);
  }
}
