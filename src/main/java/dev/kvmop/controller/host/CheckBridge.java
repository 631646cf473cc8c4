package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.BRIDGE_READY;

import dev.kvmop.api.HostReasons;
import dev.kvmop.host.HostException;

/**
 * The qemu-ifup script for spec.network.bridge, and BridgeReady. A missing bridge does not block
 * the host: User and None guests run; Bridge guests wait for it.
 */
final class CheckBridge implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    String bridge = round.spec().network.bridge;
    round.agent.writeIfupScript(round.spec().workDir, bridge);
    if (round.agent.bridgeExists(round.spec().workDir, bridge)) {
      round
          .conditions()
          .set(BRIDGE_READY, true, HostReasons.BRIDGE_FOUND, "bridge " + bridge + " exists");
    } else {
      round
          .conditions()
          .set(
              BRIDGE_READY,
              false,
              HostReasons.BRIDGE_MISSING,
              "bridge "
                  + bridge
                  + " does not exist on the host; guests with network type Bridge wait for it");
    }
    return StepResult.NEXT;
  }
}
