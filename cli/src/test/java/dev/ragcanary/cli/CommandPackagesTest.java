package dev.ragcanary.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The entry point lists the commands; the commands' packages never reach back into it (no package cycle). */
class CommandPackagesTest {
    @Test
    void noCommandPackageDependsOnTheEntryPointsPackage() {
        noClasses().that().resideInAPackage("dev.ragcanary.cli..").and().resideOutsideOfPackage("dev.ragcanary.cli")
                .should().dependOnClassesThat().resideInAPackage("dev.ragcanary.cli")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.ragcanary.cli"));
    }
}
