package dev.kvmop.testing;

import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import java.util.function.Predicate;

/**
 * Sends the targets {@code real} selects to one factory (e.g. the real SSH layer) and every other
 * target to another (e.g. {@link FakeHostAgents}), so a reconciler test can mix both.
 */
public final class RoutingHostAgents implements HostAgentFactory {
  private final Predicate<SshTarget> real;
  private final HostAgentFactory realAgents;
  private final HostAgentFactory otherAgents;

  public RoutingHostAgents(
      Predicate<SshTarget> real, HostAgentFactory realAgents, HostAgentFactory otherAgents) {
    this.real = real;
    this.realAgents = realAgents;
    this.otherAgents = otherAgents;
  }

  @Override
  public HostAgent agentFor(SshTarget target) throws HostException {
    return real.test(target) ? realAgents.agentFor(target) : otherAgents.agentFor(target);
  }

  @Override
  public void forget(String hostId) {
    realAgents.forget(hostId);
    otherAgents.forget(hostId);
  }
}
