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

  /**
   * Not a value users write: what an unknown string in the JSON reads as (an API server that does
   * not enforce the CRD's enum let it through). Spec validation rejects it naming the field; left
   * out of the CRD by {@code @JsonIgnore}.
   */
  @JsonIgnore
  Unrecognized;

  /**
   * Reads the JSON value. An unknown string becomes {@link #Unrecognized} instead of an error: a
   * deserialization error would stop the informer, and with it the operator, for every object of
   * the kind. (Not null: JOSDK's clone drops nulls and the field initializer would bring back the
   * default, silently replacing the user's typo.)
   */
  @JsonCreator
  public static ModulesMode fromJson(String value) {
    for (ModulesMode v : values()) {
      if (v.name().equals(value)) {
        return v;
      }
    }
    return Unrecognized;
  }
}
