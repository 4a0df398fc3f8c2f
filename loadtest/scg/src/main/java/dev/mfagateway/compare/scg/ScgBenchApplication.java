package dev.mfagateway.compare.scg;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * Spring Cloud Gateway in front of one upstream, every request guarded by {@link ResourceServerSecurity}: the
 * comparison target of loadtest/compare.sh. Settings come from {@link CompareProperties} ({@code --compare.…}).
 */
@SpringBootApplication
@EnableConfigurationProperties(CompareProperties.class)
public class ScgBenchApplication {
  public static void main(String[] args) {
    SpringApplication.run(ScgBenchApplication.class, args);
  }

  @Bean
  RouteLocator routes(RouteLocatorBuilder routes, CompareProperties properties) {
    return routes.routes().route("upstream", route -> route.path("/**").uri(properties.upstream())).build();
  }
}
