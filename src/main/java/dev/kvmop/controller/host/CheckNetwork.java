package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.NETWORK_READY;

import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.host.HostException;
import dev.kvmop.host.NetworkState;
import dev.kvmop.host.NetworkState.Problem;
import dev.kvmop.net.NetworkSetup;
import java.util.EnumSet;
import java.util.Set;

/**
 * spec.network on the host, and NetworkReady: the qemu-ifup script for the bridge, then the bridge
 * itself (created, addressed and brought up when managed) and with dhcp the dnsmasq on it. A
 * network that is not ready does not block the host: User and None guests run, Bridge guests wait.
 * Of two KvmHosts that manage one bridge on one machine the older one does it; the other one stays
 * NetworkReady=False and touches nothing.
 */
final class CheckNetwork implements HostStep {
  /** The condition this one replaced; a status written before still carries it. */
  static final String FORMER_CONDITION = "BridgeReady";

  /** What the guest probe cannot see end: the next reconcile tries again. */
  private static final Set<Problem> RETRIED =
      EnumSet.of(Problem.BridgeSetupFailed, Problem.DnsmasqMissing, Problem.DhcpFailed);

  @Override
  public StepResult run(HostRound round) throws HostException {
    KvmHostSpec spec = round.spec();
    round.conditions().remove(FORMER_CONDITION);
    round.agent.writeIfupScript(spec.workDir, spec.network.bridge);
    if (round.bridgeManagedBy != null) {
      round.networkSettled = false;
      round
          .conditions()
          .set(
              NETWORK_READY,
              false,
              HostReasons.BRIDGE_CONFLICT,
              "KvmHost "
                  + round.bridgeManagedBy
                  + " already manages bridge "
                  + spec.network.bridge
                  + " on "
                  + spec.address
                  + ":"
                  + spec.port
                  + " (spec.network.managed); this host leaves it alone while that one exists");
      return StepResult.NEXT;
    }
    NetworkState state =
        round.agent.setUpNetwork(spec.workDir, NetworkSetup.of(spec.workDir, spec.network));
    round.networkStatus = state.status();
    if (state.problem().isPresent()) {
      Problem problem = state.problem().get();
      round.networkSettled = !RETRIED.contains(problem);
      round.conditions().set(NETWORK_READY, false, problem.name(), state.message());
    } else {
      setReady(round, spec.network);
    }
    return StepResult.NEXT;
  }

  private static void setReady(HostRound round, KvmHostSpec.Network net) {
    boolean managed = Boolean.TRUE.equals(net.managed);
    String bridge = "bridge " + net.bridge;
    String withGateway = net.gateway == null || net.gateway.isEmpty() ? "" : " with " + net.gateway;
    if (Boolean.TRUE.equals(net.dhcp)) {
      round
          .conditions()
          .set(
              NETWORK_READY,
              true,
              HostReasons.DHCP_SERVING,
              bridge + " is up" + withGateway + "; dnsmasq gives the pool's guests fixed leases");
    } else if (managed) {
      round
          .conditions()
          .set(NETWORK_READY, true, HostReasons.BRIDGE_UP, bridge + " is up" + withGateway);
    } else {
      round.conditions().set(NETWORK_READY, true, HostReasons.BRIDGE_FOUND, bridge + " exists");
    }
  }
}
