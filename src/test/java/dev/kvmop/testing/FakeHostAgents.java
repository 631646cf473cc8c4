package dev.kvmop.testing;

import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stateful stand-in for hosts, for reconciler tests: each host (by address) has facts, an
 * optional connection failure, and a directory set; every verb is recorded.
 */
public final class FakeHostAgents implements HostAgentFactory {
  public final Map<String, FakeHost> hosts = new ConcurrentHashMap<>();
  public final List<String> calls = new CopyOnWriteArrayList<>();

  /** One fake machine. */
  public static final class FakeHost {
    public volatile HostFacts facts = tcgFacts();
    public volatile HostException connectFailure;
    public volatile String fingerprint = "SHA256:fake";
    public final List<String> dirs = new CopyOnWriteArrayList<>();
    public volatile String lastPrivateKey;
  }

  public FakeHost host(String address) {
    return hosts.computeIfAbsent(address, a -> new FakeHost());
  }

  public static HostFacts tcgFacts() {
    HostFacts f = new HostFacts();
    f.kernel = "6.1.0";
    f.arch = "x86_64";
    f.cpuVendor = "GenuineIntel";
    f.virtualization = "none";
    f.kvmDevice = false;
    f.cpus = 2;
    f.memoryBytes = 1L << 34;
    f.qemuVersion = "QEMU emulator version 7.2.0";
    f.bootId = "boot-1";
    return f;
  }

  @Override
  public HostAgent agentFor(SshTarget target) throws HostException {
    FakeHost h = host(target.address());
    calls.add("connect " + target.address());
    if (h.connectFailure != null) {
      throw h.connectFailure;
    }
    h.lastPrivateKey = target.privateKey();
    return new HostAgent() {
      @Override
      public HostFacts probeFacts(String qemuBinary) {
        calls.add("facts " + target.address());
        return h.facts;
      }

      @Override
      public void ensureWorkDir(String workDir) {
        calls.add("workdir " + target.address() + " " + workDir);
        if (!h.dirs.contains(workDir)) {
          h.dirs.add(workDir);
        }
      }

      @Override
      public void removeWorkDir(String workDir) {
        calls.add("rmworkdir " + target.address() + " " + workDir);
        h.dirs.remove(workDir);
      }

      @Override
      public dev.kvmop.host.HostProbe probeGuests(String workDir, String qemuBinary) {
        return new dev.kvmop.host.HostProbe(h.facts.bootId, java.util.Map.of(), List.of());
      }

      @Override
      public dev.kvmop.host.LaunchedProcess launch(dev.kvmop.host.GuestLaunch launch) {
        throw new UnsupportedOperationException("guest verbs are not faked yet");
      }

      @Override
      public void stop(String guestDir, String uuid, java.time.Duration grace) {}

      @Override
      public void reset(String guestDir) {}

      @Override
      public void removeGuestDir(String guestDir) {}

      @Override
      public boolean tcpReachable(String address, int port) {
        return true;
      }

      @Override
      public String hostKeyFingerprint() {
        return h.fingerprint;
      }
    };
  }

  @Override
  public void forget(String hostId) {
    calls.add("forget " + hostId);
  }

  public long callsFor(String address) {
    return calls.stream().filter(c -> c.contains(" " + address)).count();
  }
}
