package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
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
  /** The embedded API's certificate is self-signed (loopback only): trusted as it is, here. */
  private static javax.net.ssl.SSLContext trustingAll() {
    try {
      var all =
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          };
      var context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, new javax.net.ssl.TrustManager[] {all}, null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

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
      assertThat(get(secrets, null)).isEqualTo(401);
      assertThat(get(secrets, "Bearer wrong")).isEqualTo(401);
      assertThat(get(secrets, "Bearer " + m.group(1))).isEqualTo(200);
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

  /** The status of a GET of {@code url}. */
  private static int get(String url, String authorization) throws Exception {
    var c = (javax.net.ssl.HttpsURLConnection) URI.create(url).toURL().openConnection();
    c.setSSLSocketFactory(trustingAll().getSocketFactory());
    c.setHostnameVerifier((host, session) -> true);
    if (authorization != null) {
      c.setRequestProperty("Authorization", authorization);
    }
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }
}
