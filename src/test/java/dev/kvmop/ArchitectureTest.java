package dev.kvmop;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The import rules between the packages (docs/architecture.md): api depends on nothing of ours;
 * qemu, net, cloudinit and placement are pure (api and the JDK only); sshj only in host.ssh; JOSDK
 * only in controller, metrics, local and the entry point (not in cli, which reads objects with the
 * plain client).
 */
class ArchitectureTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.kvmop");

  @Test
  void apiDependsOnNothingOfOurs() {
    noClasses()
        .that()
        .resideInAPackage("dev.kvmop.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.kvmop.controller..",
            "dev.kvmop.host..",
            "dev.kvmop.qemu..",
            "dev.kvmop.net..",
            "dev.kvmop.cloudinit..",
            "dev.kvmop.metrics..",
            "dev.kvmop.local..",
            "dev.kvmop.placement..")
        .check(MAIN);
  }

  @Test
  void pureCodeUsesOnlyApiAndTheJdk() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.kvmop.qemu..", "dev.kvmop.net..", "dev.kvmop.cloudinit..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(
            "dev.kvmop.api..",
            "dev.kvmop.qemu..",
            "dev.kvmop.net..",
            "dev.kvmop.cloudinit..",
            "java..")
        .check(MAIN);
  }

  @Test
  void placementIsPureAndUsesOnlyApiAndTheJdk() {
    noClasses()
        .that()
        .resideInAPackage("dev.kvmop.placement..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("dev.kvmop.api..", "dev.kvmop.placement..", "java..")
        .check(MAIN);
  }

  @Test
  void onlyHostSshImportsSshj() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.kvmop.host.ssh..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("net.schmizz..", "com.hierynomus..")
        .check(MAIN);
  }

  @Test
  void josdkOnlyInControllerMetricsLocalAndMain() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.kvmop.api..",
            "dev.kvmop.host..",
            "dev.kvmop.qemu..",
            "dev.kvmop.net..",
            "dev.kvmop.cloudinit..",
            "dev.kvmop.placement..",
            "dev.kvmop.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.javaoperatorsdk..")
        .check(MAIN);
  }
}
