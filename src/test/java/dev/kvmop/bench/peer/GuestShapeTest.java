package dev.kvmop.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.qemu.GuestSpecValidation;
import dev.kvmop.qemu.LaunchSpec;
import dev.kvmop.qemu.QemuArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** Both sides of the peer benchmark start the same guest. */
class GuestShapeTest {
  @Test
  void ourGuestIsValidAndItsQemuHasTheSharedShape() {
    KvmGuest g = GuestShape.kvmGuest("g1", "host-0");
    assertThat(GuestSpecValidation.validate(g.getSpec())).isEmpty();

    List<String> argv =
        QemuArgs.build(
            new LaunchSpec(
                "default",
                "g1",
                "00000000-0000-0000-0000-000000000001",
                "/tmp/w/g1",
                "/usr/bin/qemu-system-x86_64",
                null,
                g.getSpec(),
                "tcg",
                null,
                null));

    assertThat(String.join(" ", argv))
        .contains("-machine pc,accel=tcg")
        .contains("-m 32M")
        .contains("-smp 1")
        .contains("-nic none")
        .contains("-display none")
        .doesNotContain("-drive");
    assertThat(argv).endsWith("-nodefaults");
  }

  @Test
  void libvirtsDomainHasTheSameMachineMemoryAndNoDevicesOfItsOwn() throws Exception {
    String xml = GuestShape.domainXml("kvmop-peer-x-g1");
    Document d =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));

    assertThat(d.getDocumentElement().getAttribute("type")).isEqualTo("qemu");
    assertThat(text(d, "name")).isEqualTo("kvmop-peer-x-g1");
    assertThat(attr(d, "type", "machine")).isEqualTo("pc");
    assertThat(text(d, "memory")).isEqualTo("32");
    assertThat(attr(d, "memory", "unit")).isEqualTo("MiB");
    assertThat(text(d, "vcpu")).isEqualTo("1");
    assertThat(d.getElementsByTagName("acpi").getLength()).isEqualTo(1);
    for (String absent : List.of("disk", "interface", "graphics")) {
      assertThat(d.getElementsByTagName(absent).getLength()).as(absent).isZero();
    }
    for (String off : List.of("memballoon", "controller", "model")) {
      assertThat(attr(d, off, off.equals("model") ? "type" : "model")).as(off).isEqualTo("none");
    }
  }

  private static String text(Document d, String tag) {
    return d.getElementsByTagName(tag).item(0).getTextContent().strip();
  }

  private static String attr(Document d, String tag, String attribute) {
    return ((org.w3c.dom.Element) d.getElementsByTagName(tag).item(0)).getAttribute(attribute);
  }
}
