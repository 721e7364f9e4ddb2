package dev.ragcanary.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Domain code stays portable and testable without AWS: adapters live in their own modules. */
@AnalyzeClasses(packages = "dev.ragcanary.core", importOptions = ImportOption.DoNotIncludeTests.class)
class DomainHasNoAwsDependenciesTest {

    @ArchTest
    static final ArchRule noAwsSdkLambdaRuntimeOrCdk = noClasses()
            .that().resideInAPackage("dev.ragcanary.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "software.amazon.awssdk..",
                    "com.amazonaws..",
                    "software.amazon.awscdk..",
                    "software.constructs..",
                    "software.amazon.lambda..")
            .because("domain packages must not import AWS SDK, Lambda runtime or CDK classes");
}
