- dashboard: funnel_overview
  title: Funnel overview
  layout: newspaper
  preferred_viewer: dashboards-next
  description: "Page view, add to cart and checkout sessions, by week and by buyer state."
  elements:
  - title: Funnel steps
    name: funnel_steps
    model: greenery
    explore: fact_sessions_funnel
    type: looker_funnel
    fields: [fact_sessions_funnel.sessions_with_page_view, fact_sessions_funnel.sessions_with_add_to_cart,
      fact_sessions_funnel.sessions_with_checkout]
    limit: 1
    row: 0
    col: 0
    width: 12
    height: 8
  - title: Checkout rate by state
    name: checkout_rate_by_state
    model: greenery
    explore: fact_sessions_funnel
    type: looker_map
    fields: [dim_users.state, fact_sessions_funnel.checkout_rate]
    sorts: [fact_sessions_funnel.checkout_rate desc]
    limit: 60
    row: 0
    col: 12
    width: 12
    height: 8
  - title: Weekly sessions
    name: weekly_sessions
    model: greenery
    explore: fact_sessions_funnel
    type: looker_column
    fields: [fact_sessions_funnel.session_started_week, fact_sessions_funnel.count]
    fill_fields: [fact_sessions_funnel.session_started_week]
    sorts: [fact_sessions_funnel.session_started_week desc]
    limit: 52
    row: 8
    col: 0
    width: 24
    height: 6
  - title: Daily sessions (PDT)
    name: daily_sessions
    model: greenery
    explore: fact_sessions_funnel
    type: looker_line
    fields: [daily_sessions_pdt.session_day_date, daily_sessions_pdt.total_sessions]
    sorts: [daily_sessions_pdt.session_day_date desc]
    limit: 90
    row: 14
    col: 0
    width: 24
    height: 6
