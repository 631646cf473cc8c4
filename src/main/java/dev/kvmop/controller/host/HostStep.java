package dev.kvmop.controller.host;

import dev.kvmop.host.HostException;

/**
 * One step of a host's reconcile (the order is in {@link HostLifecycle}): it reads the round, sets
 * status fields and conditions, and either lets the next step run or decides the phase. A step
 * throws HostException when the host stops answering; the lifecycle turns that into Unreachable or
 * Failed as {@link ConnectFailure} says.
 */
interface HostStep {
  StepResult run(HostRound round) throws HostException;
}
