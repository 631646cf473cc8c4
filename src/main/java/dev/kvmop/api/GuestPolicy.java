package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * What the author of a KvmGuest may do on a host: whoever may create KvmGuests gets no more on the
 * host than this allows.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class GuestPolicy {
  @Size(max = 32)
  @JsonPropertyDescription(
      "Host directories that guests' disks[].path, disks[].image.hostPath, kernel.path and"
          + " kernel.initrd must lie below, after the host resolves symlinks; empty (the default):"
          + " no host paths at all, only images and disks the operator makes.")
  public List<@Pattern(Patterns.ABSOLUTE_PATH) String> allowedPaths = new ArrayList<>();

  @Default("Forbidden")
  @JsonPropertyDescription(
      "Forbidden (default): a guest with spec.extraArgs is refused. Allowed: they are passed to"
          + " qemu, which then may open any file or device the qemu user can.")
  public ExtraArgsPolicy extraArgs = ExtraArgsPolicy.Forbidden;

  @Pattern("^([a-z_][a-z0-9_.-]{0,31})?$")
  @JsonPropertyDescription(
      "An unprivileged host user qemu drops to (-runas), with -sandbox on denying obsolete"
          + " system calls, privilege elevation, spawning and resource control; the guest's"
          + " directory becomes that user's alone. Empty: qemu runs as the SSH user.")
  public String runAs = "";
}
