package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One qemu virtual machine on a {@link KvmHost}. */
@Group(KvmHost.GROUP)
@Version(KvmHost.VERSION)
@ShortNames("kg")
@Categories("kvm")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Host", jsonPath = ".status.host")
@AdditionalPrinterColumn(name = "IP", jsonPath = ".status.ip")
@AdditionalPrinterColumn(name = "MAC", jsonPath = ".status.mac", priority = 1)
@AdditionalPrinterColumn(
    name = "PID",
    jsonPath = ".status.pid",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Disks",
    jsonPath = ".status.conditions[?(@.type==\"DisksReady\")].reason",
    priority = 1)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonIgnoreProperties(ignoreUnknown = true)
public class KvmGuest extends CustomResource<KvmGuestSpec, KvmGuestStatus> implements Namespaced {}
