package dev.kvmop.cloudinit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link NoCloudSeed#files} with {@code src/test/resources/golden/cloudinit/<case>/}: one
 * file per seed file, and no file for one the seed does not have. To accept changed seeds, run
 * {@code mvn test -Dtest=NoCloudSeedGoldenTest -Dgolden.update=true} and review the diff.
 */
class NoCloudSeedGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden/cloudinit");
  static final String UID = "8d3f2c1e-5b7a-4e39-9c1d-2f6a0b4e7c90";
  static final String MAC = "52:54:00:00:00:1A";
  static final List<String> KEYS =
      List.of(
          "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGolden me@lab",
          "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ \"quoted\" #comment");

  static SeedInput input(String userData, List<String> keys, String networkData, String ip) {
    return new SeedInput(
        UID, "vm1", userData, keys, networkData, MAC, ip, "10.0.0.1/24", List.of("10.0.0.1"));
  }

  @Test
  void keysOnly() throws IOException {
    assertGolden("keys-only", input(null, KEYS, null, "10.0.0.10"));
  }

  @Test
  void nothingButTheDefaults() throws IOException {
    assertGolden("defaults", input("", List.of(), null, "10.0.0.10"));
  }

  @Test
  void cloudConfigGetsTheKeysAppended() throws IOException {
    String ud = "#cloud-config\npackages:\n  - nginx\nusers:\n  - name: lab\n";
    assertGolden("cloud-config-appended", input(ud, KEYS, null, "10.0.0.10"));
  }

  @Test
  void cloudConfigWithItsOwnKeysBecomesMultipart() throws IOException {
    String ud = "#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAAmine user@x\n";
    assertGolden("cloud-config-own-keys", input(ud, KEYS.subList(0, 1), null, "10.0.0.10"));
  }

  @Test
  void scriptBecomesMultipart() throws IOException {
    String ud = "#!/bin/sh\necho hello > /tmp/hello\n";
    assertGolden("script", input(ud, KEYS.subList(0, 1), null, "10.0.0.10"));
  }

  @Test
  void userDataWithoutKeysStaysAsItIs() throws IOException {
    String ud = "#!/bin/sh\necho as-is\n";
    assertThat(NoCloudSeed.files(input(ud, List.of(), null, "10.0.0.10")).get("user-data"))
        .isEqualTo(ud);
  }

  @Test
  void givenNetworkDataIsUsedAsItIs() throws IOException {
    String nd = "version: 1\nconfig:\n  - type: physical\n    name: eth0\n";
    assertGolden("network-data", input(null, List.of(), nd, "10.0.0.10"));
  }

  @Test
  void ipv6WithoutAMatchingGatewayIsAHostRoute() throws IOException {
    assertGolden("ipv6-no-gateway", input(null, List.of(), null, "fd00::10"));
  }

  @Test
  void ipv6WithItsGateway() throws IOException {
    SeedInput in =
        new SeedInput(UID, "vm1", null, List.of(), null, MAC, "fd00::10", "fd00::1/64", List.of());
    assertGolden("ipv6", in);
  }

  @Test
  void noNetworkConfigForAHostnameOrWithoutANic() {
    assertThat(NoCloudSeed.files(input(null, List.of(), null, "vm1.lab"))).hasSize(2);
    SeedInput noNic = new SeedInput(UID, "vm1", null, List.of(), null, null, null, "", List.of());
    assertThat(NoCloudSeed.files(noNic)).containsOnlyKeys("meta-data", "user-data");
  }

  @Test
  void metaDataQuotesWhatYamlWouldReadOtherwise() {
    assertThat(NoCloudSeed.metaData("1:2", "yes"))
        .isEqualTo("instance-id: \"1:2\"\nlocal-hostname: \"yes\"\n");
    assertThat(Yaml.quoted("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\x01\"");
  }

  static void assertGolden(String name, SeedInput in) throws IOException {
    Map<String, String> files = NoCloudSeed.files(in);
    Path dir = GOLDEN.resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(dir);
      try (Stream<Path> old = Files.list(dir)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
      for (var e : files.entrySet()) {
        Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
      }
    }
    try (Stream<Path> golden = Files.list(dir)) {
      assertThat(golden.map(p -> p.getFileName().toString()))
          .as(name + ": seed files")
          .containsExactlyInAnyOrderElementsOf(files.keySet());
    }
    for (var e : files.entrySet()) {
      assertThat(e.getValue())
          .as(name + "/" + e.getKey())
          .isEqualTo(Files.readString(dir.resolve(e.getKey()), StandardCharsets.UTF_8));
    }
  }
}
