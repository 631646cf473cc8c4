package dev.kvmop.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The placement rules, one row each: a guest, the hosts as placement sees them, and either the host
 * it goes to or the message it waits with. Hosts default to Ready, schedulable, a free address, 8
 * CPUs and 16Gi capacity with the default overcommit (cpu 4.0, memory 1.0) and nothing allocated.
 */
class PlacementTest {
  record Row(String name, Demand guest, List<Candidate> hosts, String expected) {}

  @TestFactory
  Stream<DynamicTest> everyRule() {
    return rows().stream()
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.name(),
                    () -> assertThat(outcome(r.guest(), r.hosts())).isEqualTo(r.expected())));
  }

  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    rows.add(row("one host that fits", guest(), "a", host("a")));
    rows.add(row("no host at all", guest(), "0/0 hosts fit: no KvmHost in the namespace"));
    rows.add(row("not Ready", guest(), "0/1 hosts fit: 1 not Ready", host("a", notReady())));
    rows.add(row("cordoned", guest(), "0/1 hosts fit: 1 cordoned", host("a", cordoned())));
    rows.add(row("cordoned host skipped", guest(), "b", host("a", cordoned()), host("b")));
    rows.add(
        row(
            "selector: matchLabels",
            guest(selector(Map.of("rack", "a"))),
            "b",
            host("a", labels(Map.of("rack", "b"))),
            host("b", labels(Map.of("rack", "a")))));
    rows.add(
        row(
            "selector matches nothing",
            guest(selector(Map.of("rack", "c"))),
            "0/2 hosts fit: 2 not matching the selector",
            host("a", labels(Map.of("rack", "a"))),
            host("b")));
    rows.add(
        row(
            "network not ready: a Bridge guest does not fit",
            bridged(guest()),
            "0/1 hosts fit: 1 network not ready",
            host("a", networkNotReady())));
    rows.add(
        row("network not ready: a User guest fits", guest(), "a", host("a", networkNotReady())));
    rows.add(
        row("at maxGuests", guest(), "0/1 hosts fit: 1 at maxGuests", host("a", guests(3, 3))));
    rows.add(row("under maxGuests", guest(), "a", host("a", guests(2, 3))));
    rows.add(row("maxGuests 0: no limit", guest(), "a", host("a", guests(500, 0))));
    rows.add(
        row(
            "pool exhausted",
            guest(),
            "0/1 hosts fit: 1 pool exhausted",
            host("a", address(AddressCheck.EXHAUSTED))));
    rows.add(
        row(
            "no address needed: an exhausted pool does not matter",
            guest(),
            "a",
            host("a", address(AddressCheck.NOT_NEEDED))));
    rows.add(
        row(
            "requested address held elsewhere: the host that has it free",
            guest(),
            "b",
            host("a", address(AddressCheck.REQUESTED_TAKEN)),
            host("b")));
    rows.add(
        row(
            "requested address: not in any pool, taken",
            guest(),
            "0/2 hosts fit: 1 requested address not in pool, 1 requested address taken",
            host("a", address(AddressCheck.REQUESTED_NOT_IN_POOL)),
            host("b", address(AddressCheck.REQUESTED_TAKEN))));
    rows.add(row("cpu exactly at the limit", guest(2, 16), "a", host("a", allocated(30, 0))));
    rows.add(
        row(
            "cpu one over the limit",
            guest(2, 16),
            "0/1 hosts fit: 1 insufficient cpu",
            host("a", allocated(31, 0))));
    rows.add(
        row(
            "cpu overcommit 1.5 of 10: 15",
            guest(1, 16),
            "0/1 hosts fit: 1 insufficient cpu",
            host("a", capacity(10, 16384), overcommit(1.5, 1.0), allocated(15, 0))));
    rows.add(row("memory exactly at the limit", guest(1, 16), "a", host("a", allocated(0, 16368))));
    rows.add(
        row(
            "memory one MiB over",
            guest(1, 17),
            "0/1 hosts fit: 1 insufficient memory",
            host("a", allocated(0, 16368))));
    rows.add(
        row(
            "memory overcommit 1.5: 1Gi holds 1536Mi",
            guest(1, 512),
            "a",
            host("a", capacity(8, 1024), overcommit(4.0, 1.5), allocated(0, 1024))));
    rows.add(
        row(
            "capacity 0 (no facts yet): nothing fits",
            guest(1, 16),
            "0/1 hosts fit: 1 insufficient cpu; no host is big enough for 1 cpu (the most a host"
                + " takes is 0) and 16Mi memory (the most a host takes is 0Mi)",
            host("a", capacity(0, 0))));
    rows.add(
        row(
            "lowest allocated memory fraction wins",
            guest(),
            "b",
            host("a", allocated(0, 8192)),
            host("b", allocated(0, 4096)),
            host("c", allocated(0, 12288))));
    rows.add(
        row(
            "fraction of each host's own capacity, not absolute memory",
            guest(),
            "b",
            host("a", capacity(8, 1024), allocated(0, 512)),
            host("b", capacity(8, 4096), allocated(0, 1024))));
    rows.add(row("tie: first by name", guest(), "a", host("b"), host("a"), host("c")));
    rows.add(
        row(
            "tie on fraction: first by name",
            guest(),
            "b",
            host("c", capacity(8, 2048), allocated(0, 1024)),
            host("b", capacity(8, 4096), allocated(0, 2048))));
    rows.add(
        row(
            "each host counted once, by its first failing rule",
            guest(),
            "0/4 hosts fit: 1 not Ready, 1 pool exhausted, 2 insufficient memory",
            host("a", notReady(), cordoned(), address(AddressCheck.EXHAUSTED)),
            host("b", address(AddressCheck.EXHAUSTED), allocated(0, 16384)),
            host("c", allocated(0, 16384)),
            host("d", allocated(0, 16380))));
    rows.add(
        row(
            "a guest bigger than any host",
            guest(2, 65536),
            "0/2 hosts fit: 2 insufficient memory; no host is big enough for 64Gi memory (the most a"
                + " host takes is 16Gi)",
            host("a"),
            host("b", capacity(8, 4096))));
    rows.add(
        row(
            "too many cpus and too much memory",
            guest(64, 65536),
            "0/1 hosts fit: 1 insufficient cpu; no host is big enough for 64 cpus (the most a host"
                + " takes is 32) and 64Gi memory (the most a host takes is 16Gi)",
            host("a")));
    return rows;
  }

  @Test
  void theMessageDoesNotDependOnTheOrderOfTheHosts() {
    List<Candidate> hosts = new ArrayList<>();
    Map<String, String> rackA = Map.of("rack", "a");
    hosts.add(host("a", labels(rackA), notReady()));
    hosts.add(host("b", labels(rackA), cordoned()));
    hosts.add(host("c", labels(rackA), address(AddressCheck.EXHAUSTED)));
    hosts.add(host("d", labels(rackA), allocated(0, 16384)));
    hosts.add(host("e", labels(Map.of("rack", "z"))));
    Demand guest = guest(selector(rackA));
    String expected = outcome(guest, hosts);
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(hosts, random);
      assertThat(outcome(guest, hosts)).isEqualTo(expected);
    }
    assertThat(expected)
        .isEqualTo(
            "0/5 hosts fit: 1 not matching the selector, 1 not Ready, 1 cordoned, 1 pool exhausted,"
                + " 1 insufficient memory");
  }

  @Test
  void theChoiceDoesNotDependOnTheOrderOfTheHosts() {
    List<Candidate> hosts = new ArrayList<>();
    for (String n : List.of("e", "d", "c", "b", "a")) {
      hosts.add(host(n, allocated(0, n.equals("c") || n.equals("d") ? 0 : 1024)));
    }
    Random random = new Random(11);
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(hosts, random);
      assertThat(outcome(guest(), hosts)).isEqualTo("c");
    }
  }

  @Test
  void aNamedHostSaysWhyInDetail() {
    Candidate full = host("node-a", capacity(2, 1024), allocated(7, 768));
    assertThat(Placement.detail(Rule.INSUFFICIENT_MEMORY, guest(1, 512), full))
        .isEqualTo(
            "KvmHost node-a: insufficient memory: the guest asks for 512Mi, 768Mi of 1Gi (capacity"
                + " 1Gi x overcommit 1.0) are taken");
    assertThat(Placement.detail(Rule.INSUFFICIENT_CPU, guest(2, 16), full))
        .isEqualTo(
            "KvmHost node-a: insufficient cpu: the guest asks for 2, 7 of 8 (capacity 2 x"
                + " overcommit 4.0) are taken");
    assertThat(Placement.detail(Rule.CORDONED, guest(), full))
        .isEqualTo("KvmHost node-a is cordoned (spec.schedulable is false)");
    assertThat(Placement.firstFailure(guest(1, 512), full)).contains(Rule.INSUFFICIENT_MEMORY);
    assertThat(Placement.firstFailure(guest(1, 256), full)).isEmpty();
  }

  @Test
  void capacityComesFromTheSpecOrElseTheFacts() {
    long gib = 1L << 30;
    assertThat(Capacity.effective(0, null, 2, 24 * gib)).isEqualTo(new Resources(2, 23 * 1024));
    assertThat(Capacity.effective(null, 0L, 2, 24 * gib)).isEqualTo(new Resources(2, 23 * 1024));
    assertThat(Capacity.effective(16, 1024L, 2, 24 * gib)).isEqualTo(new Resources(16, 1024));
    assertThat(Capacity.effective(0, null, null, null)).isEqualTo(new Resources(0, 0));
    assertThat(Capacity.effective(0, null, 1, gib / 2)).isEqualTo(new Resources(1, 0));
    assertThat(Capacity.limit(10, 1.5)).isEqualTo(15);
    assertThat(Capacity.limit(3, 0.1)).isEqualTo(0);
    assertThat(Capacity.limit(1024, 1.0)).isEqualTo(1024);
  }

  // --- building rows ---------------------------------------------------------------------------

  static String outcome(Demand guest, List<Candidate> hosts) {
    Placement.Decision d = Placement.choose(guest, hosts);
    return d instanceof Placement.Decision.Placed p
        ? p.host().name()
        : ((Placement.Decision.NoFit) d).message();
  }

  static Row row(String name, Demand guest, String expected, Candidate... hosts) {
    return new Row(name, guest, List.of(hosts), expected);
  }

  static Demand guest() {
    return guest(1, 16);
  }

  static Demand guest(long cpus, long memoryMiB) {
    return new Demand(new Resources(cpus, memoryMiB), false, Selector.EVERYTHING);
  }

  static Demand guest(Selector selector) {
    return new Demand(new Resources(1, 16), false, selector);
  }

  static Demand bridged(Demand d) {
    return new Demand(d.resources(), true, d.selector());
  }

  static Selector selector(Map<String, String> matchLabels) {
    return Selector.of(matchLabels, List.of());
  }

  @SafeVarargs
  static Candidate host(String name, UnaryOperator<Candidate>... changes) {
    Candidate c =
        new Candidate(
            name,
            Map.of(),
            true,
            true,
            false,
            AddressCheck.FREE,
            0,
            new Resources(8, 16384),
            4.0,
            1.0,
            Resources.NONE,
            0);
    for (UnaryOperator<Candidate> change : changes) {
      c = change.apply(c);
    }
    return c;
  }

  static UnaryOperator<Candidate> notReady() {
    return c -> with(c, false, c.schedulable(), c.networkNotReady(), c.address(), c.labels());
  }

  static UnaryOperator<Candidate> cordoned() {
    return c -> with(c, c.ready(), false, c.networkNotReady(), c.address(), c.labels());
  }

  static UnaryOperator<Candidate> networkNotReady() {
    return c -> with(c, c.ready(), c.schedulable(), true, c.address(), c.labels());
  }

  static UnaryOperator<Candidate> address(AddressCheck a) {
    return c -> with(c, c.ready(), c.schedulable(), c.networkNotReady(), a, c.labels());
  }

  static UnaryOperator<Candidate> labels(Map<String, String> labels) {
    return c -> with(c, c.ready(), c.schedulable(), c.networkNotReady(), c.address(), labels);
  }

  static UnaryOperator<Candidate> guests(int n, int max) {
    return c ->
        new Candidate(
            c.name(),
            c.labels(),
            c.ready(),
            c.schedulable(),
            c.networkNotReady(),
            c.address(),
            max,
            c.capacity(),
            c.cpuOvercommit(),
            c.memoryOvercommit(),
            c.allocated(),
            n);
  }

  static UnaryOperator<Candidate> capacity(long cpus, long memoryMiB) {
    return c ->
        resources(
            c,
            new Resources(cpus, memoryMiB),
            c.cpuOvercommit(),
            c.memoryOvercommit(),
            c.allocated());
  }

  static UnaryOperator<Candidate> overcommit(double cpu, double memory) {
    return c -> resources(c, c.capacity(), cpu, memory, c.allocated());
  }

  static UnaryOperator<Candidate> allocated(long cpus, long memoryMiB) {
    return c ->
        resources(
            c,
            c.capacity(),
            c.cpuOvercommit(),
            c.memoryOvercommit(),
            new Resources(cpus, memoryMiB));
  }

  private static Candidate with(
      Candidate c,
      boolean ready,
      boolean schedulable,
      boolean networkNotReady,
      AddressCheck address,
      Map<String, String> labels) {
    return new Candidate(
        c.name(),
        labels,
        ready,
        schedulable,
        networkNotReady,
        address,
        c.maxGuests(),
        c.capacity(),
        c.cpuOvercommit(),
        c.memoryOvercommit(),
        c.allocated(),
        c.guests());
  }

  private static Candidate resources(
      Candidate c, Resources capacity, double cpuOc, double memOc, Resources allocated) {
    return new Candidate(
        c.name(),
        c.labels(),
        c.ready(),
        c.schedulable(),
        c.networkNotReady(),
        c.address(),
        c.maxGuests(),
        capacity,
        cpuOc,
        memOc,
        allocated,
        c.guests());
  }
}
