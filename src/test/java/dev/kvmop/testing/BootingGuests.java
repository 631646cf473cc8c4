package dev.kvmop.testing;

import dev.kvmop.api.Accel;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.NetworkType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Guests that boot a real Linux: the test guest of {@code scripts/guest-fixture.sh} (Debian's cloud
 * kernel and a busybox initramfs, built once and cached under target/), which takes a DHCP lease
 * and serves HTTP on port 80; and loopback hosts whose managed bridge gives them that lease.
 */
public final class BootingGuests {
  /** The kernel command line the fixture needs: serial console, reboot on panic is a crash. */
  public static final String CMDLINE = "console=ttyS0 quiet panic=-1";

  /** A guest boots in seconds on an idle machine; these machines are shared and use TCG. */
  public static final Duration BOOT = Duration.ofMinutes(4);

  private BootingGuests() {}

  /** Builds (or finds cached) the fixture; returns the directory with vmlinuz and initrd.img. */
  public static Path fixture() {
    try {
      Process p =
          new ProcessBuilder("scripts/guest-fixture.sh", "target/guest-fixture")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("scripts/guest-fixture.sh failed:\n" + out);
      }
      return Path.of(out.substring(out.lastIndexOf('\n') + 1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A KvmHost on the environment's sshd with a managed bridge that serves DHCP: gateway {@code
   * subnet}.1/24, pool {@code subnet}.10 and up ({@code pool} entries).
   */
  public static KvmHost dhcpHost(
      E2EEnvironment env, String name, String bridge, String subnet, int pool) {
    TestObjects.HostBuilder h =
        TestObjects.host(name)
            .at("127.0.0.1", env.sshd.port())
            .hostKey(env.sshd.hostKeyLine())
            .workDir(env.workRoot.resolve(name).toString())
            .probeEvery(1)
            .bridge(bridge)
            .spec(
                s -> {
                  s.user = System.getProperty("user.name");
                  s.network.managed = true;
                  s.network.dhcp = true;
                  s.network.gateway = subnet + ".1/24";
                });
    for (int i = 0; i < pool; i++) {
      h.address(mac(i), ip(subnet, i));
    }
    return h.build();
  }

  /** The MAC of pool entry {@code i} of {@link #dhcpHost}. */
  public static String mac(int i) {
    return String.format("52:54:00:7e:00:%02x", 0x10 + i);
  }

  /** The pool address {@code i} of {@link #dhcpHost}. */
  public static String ip(String subnet, int i) {
    return subnet + "." + (10 + i);
  }

  /**
   * A guest on {@code host} that boots the fixture on the bridge (TCG, machine pc) and is Ready
   * when its port 80 answers, checked every second.
   */
  public static TestObjects.GuestBuilder guest(String name, String host, Path fixture) {
    return TestObjects.guest(name)
        .on(host)
        .manual()
        .readinessPort(80)
        .spec(
            s -> {
              s.machine = "pc";
              s.accel = Accel.Tcg;
              s.memory = "128Mi";
              s.network.type = NetworkType.Bridge;
              s.kernel = new KvmGuestSpec.Kernel();
              s.kernel.path = fixture.resolve("vmlinuz").toString();
              s.kernel.initrd = fixture.resolve("initrd.img").toString();
              s.kernel.cmdline = CMDLINE;
              s.readinessProbe.periodSeconds = 1;
              s.extraArgs = new ArrayList<>(List.of("-vga", "none"));
            });
  }

  /** Whether a TCP connection from this JVM to {@code ip:port} succeeds within a second. */
  public static boolean answers(String ip, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The page the fixture serves on port 80 ("hello from <hostname>"). */
  public static String page(String ip) {
    try {
      HttpResponse<String> r =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(3))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create("http://" + ip + "/"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
