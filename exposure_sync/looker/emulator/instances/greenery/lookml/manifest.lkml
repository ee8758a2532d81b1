# LookML project manifest for the greenery demo instance.
project_name: "greenery"

# Production schema of the dbt marts. Views use it as @{analytics_schema}.
constant: analytics_schema {
  value: "analytics"
  export: none
}

# Schema the loader writes the raw greenery tables to.
constant: raw_schema {
  value: "raw"
  export: none
}

# Schema of the hand-maintained marketing tables (not built by dbt).
constant: legacy_schema {
  value: "legacy"
  export: none
}
