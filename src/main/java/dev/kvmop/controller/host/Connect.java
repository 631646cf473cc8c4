package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.HOST_KEY_VERIFIED;
import static dev.kvmop.api.Conditions.REACHABLE;

import dev.kvmop.api.HostReasons;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;

/**
 * The SSH connection, with the pinned (or first trusted) host key. A refused or failed connection
 * is thrown and becomes Unreachable or Failed ({@link ConnectFailure}).
 */
record Connect(HostAgentFactory agents) implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    round.agent = agents.agentFor(SshTargets.of(round.host(), round.credentials));
    var status = round.status();
    status.observedHostKey = round.agent.hostKeyFingerprint();
    round
        .conditions()
        .set(HOST_KEY_VERIFIED, true, HostReasons.VERIFIED, "host key " + status.observedHostKey);
    round.conditions().set(REACHABLE, true, HostReasons.CONNECTED, "SSH connection established");
    return StepResult.NEXT;
  }
}
