package dev.kvmop.testing;

import dev.kvmop.api.KvmHost;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Looks for secret material where users can read it: the operator log, every Event (reason and
 * message) and every KvmHost serialized as YAML. The secrets are each private key's body lines (the
 * base64 between BEGIN and END, lines of 16 characters or more so that a short last line cannot
 * match by chance) and each passphrase.
 */
public final class SecretHygiene {
  /** Outcome: how many secret strings were looked for, and where any turned up. */
  public record Report(int secrets, List<String> hits) {
    public String line() {
      return "secret-hygiene: " + secrets + " secrets checked, " + hits.size() + " hits";
    }
  }

  private final Set<String> secrets = new LinkedHashSet<>();

  /** Adds a private key's body lines. */
  public SecretHygiene privateKey(String keyText) {
    boolean body = false;
    for (String line : keyText.split("\\R")) {
      String l = line.strip();
      if (l.startsWith("-----BEGIN")) {
        body = true;
      } else if (l.startsWith("-----END")) {
        body = false;
      } else if (body && l.length() >= 16 && !l.contains(":")) {
        secrets.add(l); // PEM headers such as "Proc-Type: 4,ENCRYPTED" are not secret
      }
    }
    return this;
  }

  public SecretHygiene passphrase(String passphrase) {
    if (passphrase != null && !passphrase.isEmpty()) {
      secrets.add(passphrase);
    }
    return this;
  }

  public int size() {
    return secrets.size();
  }

  /** Checks the given log text (may be null), and all Events and KvmHosts of all namespaces. */
  public Report check(KubernetesClient client, String operatorLog) {
    Map<String, String> places = new LinkedHashMap<>();
    if (operatorLog != null) {
      places.put("operator log", operatorLog);
    }
    for (Event e : client.v1().events().inAnyNamespace().list().getItems()) {
      String where = "Event " + e.getMetadata().getNamespace() + "/" + e.getMetadata().getName();
      places.put(where, e.getReason() + "\n" + e.getMessage());
    }
    for (KvmHost h : client.resources(KvmHost.class).inAnyNamespace().list().getItems()) {
      places.put(
          "KvmHost " + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName(),
          client.getKubernetesSerialization().asYaml(h));
    }
    List<String> hits = new ArrayList<>();
    for (String secret : secrets) {
      places.forEach(
          (where, text) -> {
            if (text != null && text.contains(secret)) {
              // Name the place and the secret's length only: the report must not leak it either.
              hits.add(where + " holds a secret of " + secret.length() + " chars");
            }
          });
    }
    return new Report(secrets.size(), hits);
  }
}
