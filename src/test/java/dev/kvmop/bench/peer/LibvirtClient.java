package dev.kvmop.bench.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEvent;

/**
 * The libvirt driver: libvirt's own C client library (through libvirt-java) with one connection per
 * host URI, shared by any number of threads (libvirt's connections are thread safe and carry
 * concurrent calls), and libvirt's default event loop on one thread so lifecycle events and the
 * connection's keepalive are served. Counts the calls the bench makes.
 */
final class LibvirtClient implements AutoCloseable {
  private static Thread eventLoop;

  private final List<Connect> connections = new ArrayList<>();
  private final AtomicLong calls = new AtomicLong();
  private volatile boolean stopped;

  /** Opens one connection per URI (an SSH session each for qemu+ssh). */
  LibvirtClient(List<String> uris) throws LibvirtException {
    startEventLoop();
    try {
      for (String uri : uris) {
        connections.add(new Connect(uri));
        calls.incrementAndGet();
      }
    } catch (LibvirtException e) {
      close();
      throw e;
    }
  }

  /** The event loop must be registered before the first connection is opened. */
  private static synchronized void startEventLoop() throws LibvirtException {
    if (eventLoop != null) {
      return;
    }
    Library.initEventLoop();
    eventLoop =
        new Thread(
            () -> {
              try {
                Library.runEventLoop();
              } catch (LibvirtException | InterruptedException e) {
                // stopped
              }
            },
            "libvirt-events");
    eventLoop.setDaemon(true);
    eventLoop.start();
  }

  int connections() {
    return connections.size();
  }

  /** Starts a transient domain and returns when it runs (virDomainCreateXML). */
  void create(int connection, String xml) throws LibvirtException {
    if (stopped) {
      throw new IllegalStateException("the run is stopping: no more domains");
    }
    calls.incrementAndGet();
    connections.get(connection).domainCreateXML(xml, 0).free();
  }

  /** Starts a transient network (virNetworkCreateXML); returns when its bridge and dnsmasq run. */
  void createNetwork(String xml) throws LibvirtException {
    if (stopped) {
      throw new IllegalStateException("the run is stopping: no more networks");
    }
    calls.incrementAndGet();
    connections.get(0).networkCreateXML(xml).free();
  }

  /** Stops a transient network, which removes it with its bridge and dnsmasq; gone is no error. */
  void destroyNetwork(String name) throws LibvirtException {
    if (connections.isEmpty()) {
      throw new IllegalStateException("no connection left to destroy network " + name);
    }
    calls.incrementAndGet();
    org.libvirt.Network n;
    try {
      n = connections.get(0).networkLookupByName(name);
    } catch (LibvirtException e) {
      return;
    }
    try {
      calls.incrementAndGet();
      n.destroy();
    } finally {
      n.free();
    }
  }

  /** Refuses further creates, so a clean-up started meanwhile (Ctrl-C) is not outrun. */
  void stopCreating() {
    stopped = true;
  }

  /** Calls every lifecycle event of every domain with the domain's name, on the event thread. */
  void onLifecycle(BiConsumer<String, DomainEvent> listener) throws LibvirtException {
    calls.incrementAndGet();
    connections
        .get(0)
        .addLifecycleListener(
            (domain, event) -> {
              try {
                listener.accept(domain.getName(), event);
              } catch (LibvirtException e) {
                // a domain that went away meanwhile
              }
              return 0;
            });
  }

  /** Names of the running domains whose name starts with {@code prefix}. */
  List<String> running(String prefix) throws LibvirtException {
    calls.incrementAndGet();
    List<String> names = new ArrayList<>();
    for (int id : connections.get(0).listDomains()) {
      calls.incrementAndGet();
      Domain d = connections.get(0).domainLookupByID(id);
      if (d.getName().startsWith(prefix)) {
        names.add(d.getName());
      }
      d.free();
    }
    return names;
  }

  /** Hard-stops a running domain (virDomainDestroy); a transient domain is then gone. */
  void destroy(String name) throws LibvirtException {
    calls.incrementAndGet();
    Domain d = connections.get(0).domainLookupByName(name);
    try {
      calls.incrementAndGet();
      d.destroy();
    } finally {
      d.free();
    }
  }

  /** API calls made through this client so far (opening the connections included). */
  long calls() {
    return calls.get();
  }

  static String version() throws LibvirtException {
    long v = Library.getVersion();
    return "libvirt client " + v / 1_000_000 + "." + v / 1000 % 1000 + "." + v % 1000;
  }

  @Override
  public void close() {
    for (Connect c : connections) {
      try {
        c.close();
      } catch (LibvirtException e) {
        // closing anyway
      }
    }
    connections.clear();
  }
}
