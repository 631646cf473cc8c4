package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.ConnectedHostAgents;
import dev.kvmop.host.HostConnections;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.testing.CrudApi;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.Reconcilers;
import dev.kvmop.testing.SecretHygiene;
import dev.kvmop.testing.SshKeys;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credential problems against a real SSH server (MINA) through the production connection stack
 * (SshRemoteShellFactory, HostConnections, ConnectedHostAgents) and the host reconciler on the CRUD
 * API: each is a condition naming the cause plus a Warning Event, and no key material or passphrase
 * appears in status, Events or the log.
 */
@EnableKubernetesMockClient(crud = true)
class HostCredentialsIT {
  static final String PASSPHRASE = "correct horse 7f3a battery";
  static final String WRONG_PASSPHRASE = "wrong staple 91c2 donkey";

  KubernetesClient client;
  MinaSshServer server;
  HostConnections connections;
  Reconcilers operator;
  PrintStream originalErr;
  final ByteArrayOutputStream log = new ByteArrayOutputStream();
  @TempDir Path tmp;

  @BeforeEach
  void start() throws Exception {
    // slf4j-simple writes to System.err as it is at each call: tee it to read the log back.
    originalErr = System.err;
    System.setErr(new PrintStream(new Tee(originalErr, log), true, StandardCharsets.UTF_8));
    server = new MinaSshServer();
    CrudApi.installCrds(client);
    connections = new HostConnections(new SshRemoteShellFactory(), Clock.systemUTC());
    operator = Reconcilers.hosts(client, new ConnectedHostAgents(connections));
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    connections.close();
    server.stop();
    System.setErr(originalErr);
  }

  record Case(String name, String privateKey, String passphrase, String reason, String cause) {}

  @Test
  void badCredentialsAreNamedWithoutLeakingThem() {
    SshKeys.KeyText good = SshKeys.generate("ed25519");
    SshKeys.KeyText encrypted = SshKeys.generate("ed25519", PASSPHRASE, false);
    SshKeys.KeyText encryptedPem = SshKeys.generate("ecdsa", PASSPHRASE, true);
    SshKeys.KeyText stranger = SshKeys.generate("ecdsa");
    server
        .authorize(good.publicKeyLine())
        .authorize(encrypted.publicKeyLine())
        .authorize(encryptedPem.publicKeyLine())
        .start();
    String garbage = garbageKey(new Random(7));

    List<Case> cases =
        List.of(
            new Case("garbage", garbage, null, "InvalidCredentials", "could not be read"),
            new Case(
                "wrong-passphrase",
                encrypted.privateKey(),
                WRONG_PASSPHRASE,
                "InvalidCredentials",
                "passphrase"),
            new Case(
                "no-passphrase", encrypted.privateKey(), null, "InvalidCredentials", "passphrase"),
            new Case(
                "pem-wrong-passphrase",
                encryptedPem.privateKey(),
                WRONG_PASSPHRASE,
                "InvalidCredentials",
                "passphrase"),
            new Case(
                "not-authorized",
                stranger.privateKey(),
                null,
                "AuthenticationFailed",
                "refused the key"),
            new Case(
                "public-key",
                good.publicKeyLine(),
                null,
                "InvalidCredentials",
                "could not be read"));

    operator.start();
    secret("good-ssh", good.privateKey(), null);
    client.resource(host("good", "good-ssh")).create();
    secret("encrypted-ok-ssh", encrypted.privateKey(), PASSPHRASE);
    client.resource(host("encrypted-ok", "encrypted-ok-ssh")).create();
    for (Case c : cases) {
      secret(c.name() + "-ssh", c.privateKey(), c.passphrase());
      client.resource(host(c.name(), c.name() + "-ssh")).create();
    }

    awaitPhase("good", HostPhase.Ready);
    awaitPhase("encrypted-ok", HostPhase.Ready);
    for (Case c : cases) {
      KvmHost h = awaitPhase(c.name(), HostPhase.Failed);
      Condition reachable = condition(h, Conditions.REACHABLE);
      assertThat(reachable.getStatus()).as(c.name()).isEqualTo("False");
      assertThat(reachable.getReason()).as(c.name()).isEqualTo(c.reason());
      assertThat(reachable.getMessage()).as(c.name()).contains(c.cause());
      assertThat(h.getStatus().facts).as(c.name()).isNull();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  events(c.name()).stream()
                      .anyMatch(
                          e -> e.getReason().equals(c.reason()) && "Warning".equals(e.getType())));
      System.out.println(
          "credentials: "
              + c.name()
              + " -> "
              + reachable.getReason()
              + ": "
              + reachable.getMessage());
    }

    SecretHygiene hygiene =
        new SecretHygiene()
            .privateKey(good.privateKey())
            .privateKey(encrypted.privateKey())
            .privateKey(encryptedPem.privateKey())
            .privateKey(stranger.privateKey())
            .privateKey(garbage)
            .passphrase(PASSPHRASE)
            .passphrase(WRONG_PASSPHRASE);
    SecretHygiene.Report report = hygiene.check(client, log.toString(StandardCharsets.UTF_8));
    System.out.println(report.line());
    assertThat(report.hits()).isEmpty();
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("InvalidCredentials");
  }

  private static String garbageKey(Random random) {
    StringBuilder sb = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for (int i = 0; i < 5; i++) {
      byte[] b = new byte[52];
      random.nextBytes(b);
      sb.append(Base64.getEncoder().encodeToString(b)).append('\n');
    }
    return sb.append("-----END OPENSSH PRIVATE KEY-----\n").toString();
  }

  private List<Event> events(String name) {
    return client.v1().events().list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private KvmHost awaitPhase(String name, HostPhase phase) {
    return CrudApi.awaitHost(client, name, phase, Duration.ofSeconds(30));
  }

  private static Condition condition(KvmHost h, String type) {
    return StatusConditions.find(h.getStatus().conditions, type).orElseThrow();
  }

  private void secret(String name, String privateKey, String passphrase) {
    client.resource(SshKeys.secret(name, privateKey, passphrase)).create();
  }

  private KvmHost host(String name, String secret) {
    return TestObjects.host(name)
        .in(null)
        .at("127.0.0.1", server.port())
        .secret(secret)
        .hostKey(server.hostKeyLine())
        .workDir(tmp.resolve("work-" + name).toString())
        .probeEvery(1)
        .spec(s -> s.user = "root")
        .build();
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }
  }
}
