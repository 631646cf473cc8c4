package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A bare-metal machine reached over SSH that runs KVM/qemu guests. */
@Group(KvmHost.GROUP)
@Version(KvmHost.VERSION)
@ShortNames("kh")
@Categories("kvm")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Address", jsonPath = ".spec.address")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Guests", jsonPath = ".status.guests.summary")
@AdditionalPrinterColumn(name = "Pool", jsonPath = ".status.pool.summary")
@AdditionalPrinterColumn(name = "Allocated", jsonPath = ".status.allocated.summary")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonIgnoreProperties(ignoreUnknown = true)
public class KvmHost extends CustomResource<KvmHostSpec, KvmHostStatus> implements Namespaced {
  public static final String GROUP = "kvmop.dev";
  public static final String VERSION = "v1alpha1";
}
