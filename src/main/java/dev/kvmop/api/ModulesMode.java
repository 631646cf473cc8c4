package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;

/** How the KVM kernel modules are made available on a host. */
public enum ModulesMode {
  /** The running kernel already provides KVM ({@code /dev/kvm}), or TCG is allowed. */
  Builtin,
  /** {@code modprobe kvm} and the vendor module. */
  Modprobe,
  /** Build kvm from a source tarball and insmod the result. */
  Build,

  /** Not a value users write: what an unknown string reads as; left out of the CRD. */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value; an unknown string is {@link #Unrecognized} (see {@link LenientEnums}).
   */
  @JsonCreator
  public static ModulesMode fromJson(String value) {
    return LenientEnums.read(ModulesMode.class, value, Unrecognized);
  }
}
