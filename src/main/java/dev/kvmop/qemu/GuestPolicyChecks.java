package dev.kvmop.qemu;

import dev.kvmop.api.ExtraArgsPolicy;
import dev.kvmop.api.GuestPolicy;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.SpecText;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A guest spec against its host's {@link GuestPolicy}: extraArgs only when allowed, host paths only
 * below the allowed directories. Lexical checks here; the host resolves the paths' symlinks (see
 * {@link #resolvedErrors}), so a link below an allowed directory cannot point out of it.
 */
public final class GuestPolicyChecks {
  /** A host path a guest names, and the field that names it. */
  public record HostPath(String field, String path) {}

  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");

  private GuestPolicyChecks() {}

  /** Errors of the policy itself (spec.guestPolicy of the host). */
  public static List<String> policyErrors(GuestPolicy policy) {
    List<String> errors = new ArrayList<>();
    if (policy == null) {
      return errors;
    }
    FieldChecks.oneOf(
        policy.extraArgs, ExtraArgsPolicy.Unrecognized, "spec.guestPolicy.extraArgs", errors);
    List<String> allowed = policy.allowedPaths == null ? List.of() : policy.allowedPaths;
    for (int i = 0; i < allowed.size(); i++) {
      String field = "spec.guestPolicy.allowedPaths[" + i + "]";
      String dir = allowed.get(i);
      FieldChecks.checkPath(dir, field, true, errors);
      if (dir != null && !dir.isEmpty() && !isCanonical(dir)) {
        errors.add(field + ": must not hold . or .. segments, // or a newline: " + dir);
      }
    }
    if (policy.runAs != null && !policy.runAs.isEmpty()) {
      if (!USER.matcher(policy.runAs).matches()) {
        errors.add("spec.guestPolicy.runAs: not a user name: " + SpecText.quoted(policy.runAs));
      } else if (policy.runAs.equals("root")) {
        errors.add("spec.guestPolicy.runAs: must be an unprivileged user, not root");
      }
    }
    return errors;
  }

  /** The host paths a guest names: disk paths, image hostPaths, kernel and initrd. */
  public static List<HostPath> hostPaths(KvmGuestSpec spec) {
    List<HostPath> paths = new ArrayList<>();
    if (spec.disks != null) {
      for (int i = 0; i < spec.disks.size(); i++) {
        KvmGuestSpec.Disk d = spec.disks.get(i);
        if (d == null) {
          continue;
        }
        add(paths, "spec.disks[" + i + "].path", d.path);
        if (d.image != null) {
          add(paths, "spec.disks[" + i + "].image.hostPath", d.image.hostPath);
        }
      }
    }
    if (spec.kernel != null) {
      add(paths, "spec.kernel.path", spec.kernel.path);
      add(paths, "spec.kernel.initrd", spec.kernel.initrd);
    }
    return paths;
  }

  /** What the policy refuses before any path is resolved on the host. */
  public static List<String> check(KvmGuestSpec spec, GuestPolicy policy) {
    List<String> errors = new ArrayList<>();
    GuestPolicy p = policy == null ? new GuestPolicy() : policy;
    if (spec.extraArgs != null
        && !spec.extraArgs.isEmpty()
        && p.extraArgs != ExtraArgsPolicy.Allowed) {
      errors.add(
          "spec.extraArgs: refused by the host's guestPolicy.extraArgs "
              + (p.extraArgs == null ? ExtraArgsPolicy.Forbidden : p.extraArgs));
    }
    for (HostPath hp : hostPaths(spec)) {
      if (!isCanonical(hp.path())) {
        errors.add(hp.field() + ": " + hp.path() + " holds . or .. segments or //; refused");
      } else if (!isBelowAny(hp.path(), allowed(p))) {
        errors.add(outside(hp, hp.path(), p));
      }
    }
    return errors;
  }

  /**
   * What the policy refuses once the host resolved the paths.
   *
   * @param resolved the host's canonical form of each of {@code paths}, in order
   * @param resolvedAllowed the host's canonical form of each allowed directory, in order
   */
  public static List<String> resolvedErrors(
      List<HostPath> paths,
      List<String> resolved,
      GuestPolicy policy,
      List<String> resolvedAllowed) {
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      HostPath hp = paths.get(i);
      String real = resolved.get(i);
      if (!isBelowAny(real, resolvedAllowed)) {
        errors.add(
            hp.field()
                + ": "
                + hp.path()
                + " resolves to "
                + real
                + ", outside the host's guestPolicy.allowedPaths "
                + allowed(policy));
      }
    }
    return errors;
  }

  /** The allowed directories of a policy (none when it is unset). */
  public static List<String> allowed(GuestPolicy policy) {
    return policy == null || policy.allowedPaths == null ? List.of() : policy.allowedPaths;
  }

  /** Whether {@code path} lies strictly below one of {@code dirs} (segment-wise). */
  static boolean isBelowAny(String path, List<String> dirs) {
    for (String dir : dirs) {
      String prefix = dir.endsWith("/") ? dir : dir + "/";
      if (path.startsWith(prefix) && path.length() > prefix.length()) {
        return true;
      }
    }
    return false;
  }

  private static boolean isCanonical(String path) {
    return !path.contains("//")
        && !path.contains("\n")
        && !("/" + path + "/").contains("/../")
        && !("/" + path + "/").contains("/./");
  }

  private static String outside(HostPath hp, String path, GuestPolicy p) {
    return hp.field()
        + ": "
        + path
        + " is outside the host's guestPolicy.allowedPaths "
        + allowed(p);
  }

  private static void add(List<HostPath> paths, String field, String path) {
    if (path != null && !path.isEmpty()) {
      paths.add(new HostPath(field, path));
    }
  }
}
