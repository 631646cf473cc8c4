package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded API of {@code local} answers only the holder of its kubeconfig: any other local user
 * could otherwise read the SSH keys in its Secrets or create guests (root on the hosts).
 */
class LocalApiTokenTest {
  static final HttpClient http = HttpClient.newHttpClient();

  @Test
  void onlyTheTokenOfTheOwnerOnlyKubeconfigIsAnswered(@TempDir Path dir) throws Exception {
    try (LocalApiServer server = LocalApiServer.startAuthenticated(0)) {
      Path kubeconfig = dir.resolve("local/kubeconfig");
      server.writeKubeconfig(kubeconfig);
      String secrets = server.url() + "/api/v1/namespaces/default/secrets";

      assertThat(Files.getPosixFilePermissions(kubeconfig))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      var m = Pattern.compile("token: (\\S+)\\}").matcher(Files.readString(kubeconfig));
      assertThat(m.find()).as("the kubeconfig holds a token").isTrue();
      assertThat(get(secrets, null).statusCode()).isEqualTo(401);
      assertThat(get(secrets, "Bearer wrong").statusCode()).isEqualTo(401);
      assertThat(get(secrets, "Bearer " + m.group(1)).statusCode()).isEqualTo(200);
      // the server's own client holds the token
      assertThat(server.client().secrets().list().getItems()).isEmpty();
    }
  }

  @Test
  void anExistingKubeconfigIsMadeOwnerOnlyBeforeTheTokenIsWritten(@TempDir Path dir)
      throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, "old");
    Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
    try (LocalApiServer server = LocalApiServer.startAuthenticated(0)) {
      server.writeKubeconfig(kubeconfig);
    }
    assertThat(Files.getPosixFilePermissions(kubeconfig))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  private static HttpResponse<String> get(String url, String authorization) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
