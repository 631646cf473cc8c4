package dev.kvmop.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md section 6: {@code qemu} and {@code net} are pure and depend only on {@code api} and the
 * JDK. (The project-wide import rules may live in another test; this one covers these two.)
 */
class PurePackagesArchTest {
  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.kvmop");

  @Test
  void qemuDependsOnlyOnApiAndTheJdk() {
    classes()
        .that()
        .resideInAPackage("dev.kvmop.qemu..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.kvmop.qemu..", "dev.kvmop.api..", "java..")
        .check(MAIN);
  }

  @Test
  void netDependsOnlyOnApiAndTheJdk() {
    classes()
        .that()
        .resideInAPackage("dev.kvmop.net..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.kvmop.net..", "dev.kvmop.api..", "java..")
        .check(MAIN);
  }
}
