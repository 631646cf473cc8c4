package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.cloudinit.NoCloudSeed;
import dev.kvmop.cloudinit.SeedInput;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.qemu.CloudInitChecks;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The files of a guest's cloud-init seed, made at each start: the user-data comes inline or from
 * its Secret (read now), the address from the guest's status, the gateway and name servers from its
 * host. Neither the user-data nor anything derived from it goes into a message.
 */
final class FirstBootSeed {
  static final String SECRET_KEY = "userdata";

  /** The seed files, or why there are none yet. */
  sealed interface Seed {
    record Files(Map<String, String> files) implements Seed {}

    record Unavailable(String reason, String message) implements Seed {}
  }

  private FirstBootSeed() {}

  /** The seed of a guest with spec.cloudInit. */
  static Seed of(GuestRun run, HostDirectory.Entry host) {
    KvmGuestSpec.CloudInit c = run.spec().cloudInit;
    String userData = c.userData;
    if (c.userDataSecretRef != null) {
      Object fromSecret = fromSecret(run, c.userDataSecretRef.name);
      if (fromSecret instanceof Seed.Unavailable problem) {
        return problem;
      }
      userData = (String) fromSecret;
    }
    var network = host.spec().network;
    return new Seed.Files(
        NoCloudSeed.files(
            new SeedInput(
                run.uid(),
                run.name(),
                userData,
                c.sshAuthorizedKeys,
                c.networkData,
                run.status().mac,
                run.status().ip,
                network == null ? "" : network.gateway,
                network == null ? null : network.nameservers)));
  }

  /** The user-data in Secret {@code name}, or the {@link Seed.Unavailable} that says why not. */
  private static Object fromSecret(GuestRun run, String name) {
    String field = "spec.cloudInit.userDataSecretRef: Secret " + name;
    Optional<Secret> secret = run.secrets().read(run.namespace(), name);
    if (secret.isEmpty()) {
      return new Seed.Unavailable(GuestReasons.USER_DATA_NOT_FOUND, field + " does not exist");
    }
    Optional<String> value = value(secret.get());
    if (value.isEmpty()) {
      return new Seed.Unavailable(
          GuestReasons.USER_DATA_NOT_FOUND, field + " has no key " + SECRET_KEY);
    }
    int bytes = value.get().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > CloudInitChecks.MAX_DATA_BYTES) {
      return new Seed.Unavailable(
          GuestReasons.USER_DATA_TOO_LARGE,
          field
              + ": key "
              + SECRET_KEY
              + " holds "
              + bytes
              + " bytes, at most "
              + CloudInitChecks.MAX_DATA_BYTES
              + " (64 KiB)");
    }
    return value.get();
  }

  /** The Secret's userdata, from data (base64) or stringData. */
  private static Optional<String> value(Secret s) {
    if (s.getData() != null && s.getData().get(SECRET_KEY) != null) {
      byte[] raw = Base64.getMimeDecoder().decode(s.getData().get(SECRET_KEY));
      return Optional.of(new String(raw, StandardCharsets.UTF_8));
    }
    if (s.getStringData() != null && s.getStringData().get(SECRET_KEY) != null) {
      return Optional.of(s.getStringData().get(SECRET_KEY));
    }
    return Optional.empty();
  }
}
