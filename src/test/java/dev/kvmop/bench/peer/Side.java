package dev.kvmop.bench.peer;

import dev.kvmop.bench.GuestBurst.Burst;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One system under test, driven the way its users drive it. Every guest is {@link GuestShape}; a
 * scenario calls {@link #cleanUp} before the other side runs, so only one side's guests run at a
 * time. A new scenario adds its verb here and in both sides.
 */
interface Side {
  /** "kvm-operator" or "libvirt" */
  String name();

  /** Creates one guest on host 0 and waits until it runs. */
  Start createOne(String name) throws Exception;

  /** Creates n guests named prefix-i at once over all hosts and waits until all run. */
  Burst burst(String prefix, int n) throws Exception;

  /**
   * The side's own processes now: the manager (operator JVM; libvirtd and virtlogd) and its sshd
   * sessions, with what runs in them. Never the guests' qemu.
   */
  List<Long> managerPids();

  /** Samples the side's own processes over the window while its guests (if any) just run. */
  Footprint steady(Duration window) throws Exception;

  /** SIGKILLs every burst guest's qemu at once; seconds until the side noticed, per guest. */
  List<Double> killAndNotice(Burst burst) throws Exception;

  /**
   * B7: makes a bridge with DHCP fixed leases for n guests, boots n {@link BootShape} guests on it
   * one after another, each until it answers HTTP on its pool address and is then removed, and
   * removes the bridge; per guest, from its create call.
   */
  List<Answer> bootAnswering(String prefix, int n, BootShape shape) throws Exception;

  /** Stops and removes every guest of this side; returns when their qemu processes ended. */
  void cleanUp(String scenario) throws Exception;

  /**
   * One guest's start.
   *
   * @param ms from the create call to "running" as the side reports it
   * @param qemuStartedMs from the create call to the start of the guest's qemu process (its /proc
   *     start time, 10 ms resolution): the side's work before qemu, the rest is qemu's own start-up
   *     plus the side's work after it
   * @param requests the requests the start took (API requests by verb and resource for ours, API
   *     calls for libvirt)
   * @param remoteCommandMs time in remote commands over SSH (ours: the launch command); NaN for
   *     libvirt, whose one call covers everything
   */
  record Start(
      double ms, double qemuStartedMs, Map<String, Long> requests, double remoteCommandMs) {}

  /**
   * One booted guest, from its create call.
   *
   * @param runningMs to "running" as the side reports it (ours: phase Running; libvirt: the call
   *     returned)
   * @param answerMs to the first HTTP 200 from {@code http://<pool ip>/} this JVM received
   * @param readyMs to Ready=True (ours: its TCP readinessProbe); NaN for libvirt, which has none
   */
  record Answer(double runningMs, double answerMs, double readyMs) {}

  /**
   * The side's processes over a window.
   *
   * @param cpuPct the manager (operator JVM; libvirtd + virtlogd) plus its SSH sessions, % of a
   *     core
   * @param rssMb the same processes' summed RSS, largest sample
   * @param callsPerMinute remote commands (ours) or API calls (libvirt) per minute
   * @param detail the parts, for the notes
   */
  record Footprint(double cpuPct, double rssMb, double callsPerMinute, String detail) {}
}
