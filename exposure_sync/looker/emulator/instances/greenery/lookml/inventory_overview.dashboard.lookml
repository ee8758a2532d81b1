- dashboard: inventory_overview
  title: Inventory overview
  layout: newspaper
  preferred_viewer: dashboards-next
  description: "Weekly inventory per product from the dbt snapshot and the seeded weekly counts."
  elements:
  - name: about_inventory
    type: text
    title_text: About this dashboard
    body_text: |-
      Inventory is captured weekly by the `products_snapshot` dbt snapshot.
      The **weekly counts** come from the `inventory_weeks` seed.
    row: 0
    col: 0
    width: 24
    height: 2
  - title: Weekly inventory by product
    name: weekly_inventory_by_product
    model: greenery
    explore: inventory
    type: looker_line
    fields: [inventory_weeks.week, inventory_weeks.product_name, inventory_weeks.total_inventory]
    pivots: [inventory_weeks.product_name]
    sorts: [inventory_weeks.week, inventory_weeks.product_name]
    limit: 500
    listen:
      Product: inventory.product_name
    row: 2
    col: 0
    width: 16
    height: 8
  - title: Current inventory
    name: current_inventory
    model: greenery
    explore: inventory
    type: looker_bar
    fields: [inventory.product_name, inventory.total_inventory]
    filters:
      inventory.is_current: 'Yes'
    sorts: [inventory.total_inventory]
    limit: 30
    listen:
      Product: inventory.product_name
    row: 2
    col: 16
    width: 8
    height: 8
  filters:
  - name: Product
    title: Product
    type: field_filter
    default_value: ''
    allow_multiple_values: true
    required: false
    ui_config:
      type: tag_list
      display: popover
    model: greenery
    explore: inventory
    listens_to_filters: []
    field: inventory.product_name
