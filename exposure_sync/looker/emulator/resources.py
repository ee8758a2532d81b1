"""JSON bodies for Looker API 4.0 resources, built from the instance's records.

Shapes follow the 4.0 OpenAPI schemas (Dashboard, DashboardElement, LookWithQuery, Query,
MergeQuery, FolderBase/Folder, User, DBConnection, LookmlModel). Undocumented details, chosen to
help a client least: a look tile has `look` and `look_id` but no `query`, `query_id` or
`result_maker` (the client must follow the look); a merged-results tile has `merge_result_id`
and, as Looker fills `result_maker.filterables`, each source's model and explore, but no query
(fields and filters need the merge query); a text tile has its words in
`title_text`/`body_text` and no `title`.
Timestamps are fixed so responses are byte-stable between runs.
"""

from __future__ import annotations

from typing import Any

from exposure_sync.lookml.project import ModelDef

from .content import (
    LOOKML_FOLDER,
    SHARED_ROOT,
    USERS_ROOT,
    ConnectionSpec,
    Content,
    DashboardSpec,
    FolderSpec,
    LookSpec,
    MergeSpec,
    QuerySpec,
    TileSpec,
    UserSpec,
)

CREATED_AT = "2024-01-15T09:30:00.000+00:00"
UPDATED_AT = "2024-06-01T12:00:00.000+00:00"
_CAN_READ = {"show": True, "index": True, "see_results": True, "explore": True}
_CAN_EDIT = {**_CAN_READ, "update": True, "destroy": True, "copy": True, "move": True}


def folder_base(c: Content, f: FolderSpec) -> dict[str, Any]:
    personal_root = _personal_root(c, f)
    return {
        "name": f.name,
        "parent_id": f.parent_id,
        "id": f.id,
        "content_metadata_id": f.id if f.id.isdigit() else None,
        "created_at": CREATED_AT,
        "creator_id": f.creator_id,
        "child_count": sum(1 for other in c.folders.values() if other.parent_id == f.id),
        "external_id": None,
        "is_embed": False,
        "is_embed_shared_root": False,
        "is_embed_users_root": False,
        "is_personal": f.personal_of is not None,
        "is_personal_descendant": personal_root is not None and f.personal_of is None,
        "is_shared_root": f.id == SHARED_ROOT,
        "is_users_root": f.id == USERS_ROOT,
        "can": _CAN_READ if f.id in (LOOKML_FOLDER, USERS_ROOT) else _CAN_EDIT,
    }


def _personal_root(c: Content, f: FolderSpec) -> FolderSpec | None:
    seen: set[str] = set()
    current: FolderSpec | None = f
    while current is not None and current.id not in seen:
        if current.personal_of is not None:
            return current
        seen.add(current.id)
        current = c.folders.get(current.parent_id) if current.parent_id else None
    return None


def folder_full(c: Content, f: FolderSpec) -> dict[str, Any]:
    body = folder_base(c, f)
    dashboards = [d for d in c.dashboards.values() if d.folder_id == f.id and not d.deleted]
    looks = [lk for lk in c.looks.values() if lk.folder_id == f.id and not lk.deleted]
    body["dashboards"] = [dashboard_base(c, d) for d in dashboards]
    body["looks"] = [{**look(c, lk), "dashboards": []} for lk in looks]
    return body


def user(c: Content, u: UserSpec) -> dict[str, Any]:
    personal = next((f.id for f in c.folders.values() if f.personal_of == u.id), None)
    return {
        "can": _CAN_READ,
        "avatar_url": None,
        "avatar_url_without_sizing": None,
        "credentials_api3": [],
        "credentials_email": {"email": u.email, "is_disabled": u.is_disabled} if u.email else None,
        "credentials_embed": [],
        "display_name": u.display_name or None,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "group_ids": [],
        "home_folder_id": personal,
        "personal_folder_id": personal,
        "id": u.id,
        "is_disabled": u.is_disabled,
        "locale": "en",
        "looker_versions": [],
        "models_dir_validated": None,
        "presumed_looker_employee": False,
        "role_ids": [],
        "sessions": [],
        "ui_state": None,
        "verified_looker_employee": False,
        "roles_externally_managed": False,
        "allow_direct_roles": True,
        "allow_normal_group_membership": True,
        "allow_roles_from_normal_groups": True,
        "is_iam_admin": False,
        "can_manage_api3_creds": False,
        "is_service_account": False,
        "service_account_name": None,
        "url": f"/api/4.0/users/{u.id}",
    }


def connection(conn: ConnectionSpec) -> dict[str, Any]:
    return {
        "can": _CAN_READ,
        "name": conn.name,
        "dialect": {"name": conn.dialect, "label": conn.dialect.replace("_", " ").title()},
        "snippets": [],
        "pdts_enabled": conn.tmp_db_name is not None,
        "host": conn.host,
        "port": conn.port,
        "username": conn.username,
        "password": None,  # Looker never returns it
        "has_password": conn.username is not None,
        "uses_oauth": False,
        "uses_key_pair_auth": False,
        "uses_instance_oauth": False,
        "uses_service_auth": False,
        "certificate": None,
        "file_type": None,
        "database": conn.database,
        "db_timezone": None,
        "query_timezone": None,
        "schema": conn.schema,
        "max_connections": None,
        "ssl": True,
        "verify_ssl": True,
        "tmp_db_name": conn.tmp_db_name,
        "jdbc_additional_params": None,
        "dialect_name": conn.dialect,
        "supports_data_studio_link": False,
        "created_at": CREATED_AT,
        "user_id": None,
        "example": False,
        "user_db_credentials": False,
        "user_attribute_fields": [],
        "sql_runner_precache_tables": False,
        "sql_writing_with_info_schema": False,
        "managed": False,
        "connection_pooling": True,
        "default_bq_connection": False,
        "query_holding_disabled": False,
    }


def query(q: QuerySpec) -> dict[str, Any]:
    return {
        "can": {"run": True, "see_results": True, "explore": True, "create": True, "show": True},
        "id": q.id,
        "model": q.model,
        "view": q.view,
        "fields": list(q.fields),
        "pivots": list(q.pivots) or None,
        "fill_fields": None,
        "filters": dict(q.filters) or None,
        "filter_expression": None,
        "sorts": list(q.sorts),
        "limit": q.limit or "500",
        "column_limit": None,
        "total": None,
        "row_total": None,
        "subtotals": None,
        "vis_config": q.vis_config,
        "filter_config": None,
        "visible_ui_sections": None,
        "slug": f"q{int(q.id):06d}" if q.id.isdigit() else q.id,
        "dynamic_fields": q.dynamic_fields,
        "client_id": None,
        "share_url": None,
        "expanded_share_url": None,
        "url": f"/explore/{q.model}/{q.view}?qid=q{q.id}",
        "query_timezone": None,
        "has_table_calculations": False,
    }


def merge_source_name(c: Content, m: MergeSpec, n: int) -> str:
    """The name of the merge's n-th source (0-based). content.yml gives sources no names, so they
    get `<explore> query <n>`; the merge query and the tile's filterables agree on it."""
    return f"{c.queries[m.source_query_ids[n]].view} query {n + 1}"


def merge_query(c: Content, m: MergeSpec) -> dict[str, Any]:
    sources = []
    for n, (qid, fields) in enumerate(zip(m.source_query_ids, m.merge_fields, strict=True)):
        sources.append(
            {
                "merge_fields": [
                    {
                        "field_name": f.get("field_name"),
                        "source_field_name": f.get("source_field_name"),
                    }
                    for f in fields
                ],
                "name": merge_source_name(c, m, n),
                "query_id": qid,
                "query_slug": None,
            }
        )
    return {
        "can": {"show": True},
        "column_limit": None,
        "dynamic_fields": None,
        "id": m.id,
        "pivots": None,
        "result_maker_id": None,
        "sorts": None,
        "source_queries": sources,
        "total": False,
        "limit": None,
        "vis_config": None,
    }


def _owner(c: Content, user_id: str | None) -> tuple[str | None, bool]:
    u = c.users.get(user_id) if user_id else None
    return (u.display_name or None, u.is_disabled) if u else (None, False)


def look(c: Content, lk: LookSpec) -> dict[str, Any]:
    user_name, disabled = _owner(c, lk.user_id)
    folder = c.folders.get(lk.folder_id) if lk.folder_id else None
    q = c.queries[lk.query_id]
    return {
        "can": _CAN_EDIT,
        "content_metadata_id": None,
        "id": lk.id,
        "title": lk.title,
        "user_id": lk.user_id,
        "certification_metadata": None,
        "content_favorite_id": None,
        "created_at": CREATED_AT,
        "deleted": lk.deleted,
        "deleted_at": UPDATED_AT if lk.deleted else None,
        "deleter_id": lk.user_id if lk.deleted else None,
        "description": lk.description,
        "embed_url": None,
        "excel_file_url": None,
        "favorite_count": 0,
        "google_spreadsheet_formula": None,
        "image_embed_url": None,
        "is_run_on_load": False,
        "last_accessed_at": None,
        "last_updater_id": lk.user_id,
        "last_viewed_at": None,
        "model": {"id": q.model, "label": q.model.replace("_", " ").title()},
        "public": False,
        "public_slug": None,
        "public_url": None,
        "query_id": lk.query_id,
        "short_url": f"/x/{lk.id}",
        "folder": folder_base(c, folder) if folder else None,
        "folder_id": lk.folder_id,
        "updated_at": UPDATED_AT,
        "user_name": user_name,
        "view_count": lk.view_count,
        "usage_count": None,
        "is_owner_disabled": disabled,
    }


def look_with_query(c: Content, lk: LookSpec) -> dict[str, Any]:
    return {**look(c, lk), "query": query(c.queries[lk.query_id]), "url": f"/looks/{lk.id}"}


def _filterable(q: QuerySpec, name: str | None) -> dict[str, Any]:
    return {"model": q.model, "view": q.view, "name": name, "listen": []}


def filterables(c: Content, t: TileSpec) -> list[dict[str, Any]]:
    """What dashboard filters could apply to, as Looker fills it: the tile's query (named by the
    tile's title), or each source query of its merge, in source order."""
    if t.merge_id:
        m = c.merges[t.merge_id]
        sources = [c.queries[qid] for qid in m.source_query_ids]
        return [_filterable(q, merge_source_name(c, m, n)) for n, q in enumerate(sources)]
    q = c.queries.get(t.query_id) if t.query_id else None
    return [_filterable(q, t.title)] if q else []


def element(c: Content, t: TileSpec) -> dict[str, Any]:
    """A dashboard element. A LookML dashboard's query tile carries its query only in
    `result_maker` (`query` and `query_id` null), as exported LookML dashboards show."""
    text = t.type == "text"
    q = c.queries.get(t.query_id) if t.query_id else None
    dashboard = c.dashboards.get(t.dashboard_id)
    lookml = dashboard is not None and dashboard.is_lookml
    lk = c.looks.get(t.look_id) if t.look_id else None
    result_maker = None
    if q is not None or t.merge_id:
        result_maker = {
            "id": t.id,
            "dynamic_fields": q.dynamic_fields if q else None,
            "filterables": filterables(c, t),
            "sorts": list(q.sorts) if q else None,
            "merge_result_id": t.merge_id,
            "total": False,
            "query_id": t.query_id,
            "sql_query_id": None,
            "query": query(q) if q else None,
            "vis_config": None,
        }
    return {
        "can": _CAN_EDIT,
        "body_text": t.body_text if text else None,
        "body_text_as_html": t.body_text if text else None,
        "dashboard_id": t.dashboard_id,
        "edit_uri": None,
        "id": t.id,
        "look": look_with_query(c, lk) if lk else None,
        "look_id": t.look_id,
        "lookml_link_id": None,
        "merge_result_id": t.merge_id,
        "note_display": None,
        "note_state": None,
        "note_text": None,
        "note_text_as_html": None,
        "query": query(q) if q and not lookml else None,
        "query_id": None if lookml else t.query_id,
        "filter_id": None,
        "refresh_interval": None,
        "refresh_interval_to_i": None,
        "result_maker": result_maker,
        "result_maker_id": t.id if result_maker else None,
        "subtitle_text": t.subtitle_text,
        "title": None if text else t.title,
        "title_hidden": False,
        "title_text": t.title if text else None,
        "type": t.type,
        "alert_count": 0,
        "rich_content_json": None,
        "title_text_as_html": t.title if text else None,
        "subtitle_text_as_html": t.subtitle_text,
        "extension_id": None,
        "aria_description": None,
        "certification_metadata": None,
    }


def dashboard_base(c: Content, d: DashboardSpec) -> dict[str, Any]:
    folder = c.folders.get(d.folder_id) if d.folder_id else None
    return {
        "can": _CAN_READ if d.is_lookml else _CAN_EDIT,
        "content_favorite_id": None,
        "content_metadata_id": None,
        "description": d.description,
        "hidden": False,
        "id": d.id,
        "model": {"id": d.model, "label": d.model.replace("_", " ").title()} if d.model else None,
        "query_timezone": None,
        "readonly": d.is_lookml,
        "refresh_interval": None,
        "refresh_interval_to_i": None,
        "folder": folder_base(c, folder) if folder else None,
        "title": d.title,
        "user_id": d.user_id,
        "slug": d.id.split("::")[-1] if d.is_lookml else f"d{d.id}",
        "preferred_viewer": "dashboards-next",
        "certification_metadata": {
            "certification_status": "certified",
            "ui_status": None,
            "user_name": None,
            "notes": None,
            "updated_at": UPDATED_AT,
        }
        if d.certified
        else None,
    }


def dashboard(c: Content, d: DashboardSpec) -> dict[str, Any]:
    user_name, disabled = _owner(c, d.user_id)
    return {
        **dashboard_base(c, d),
        "alert_sync_with_dashboard_filter_enabled": False,
        "chat_enabled": False,
        "background_color": None,
        "created_at": CREATED_AT,
        "crossfilter_enabled": False,
        "dashboard_elements": [element(c, t) for t in d.tiles],
        "dashboard_filters": [],
        "dashboard_layouts": [],
        "deleted": d.deleted,
        "deleted_at": UPDATED_AT if d.deleted else None,
        "deleter_id": d.user_id if d.deleted else None,
        "edit_uri": None,
        "enable_viz_full_screen": True,
        "favorite_count": 0,
        "filters_bar_collapsed": False,
        "filters_location_top": True,
        "last_accessed_at": None,
        "last_viewed_at": None,
        "updated_at": UPDATED_AT,
        "last_updater_id": d.user_id,
        "last_updater_name": user_name,
        "user_name": user_name,
        "load_configuration": "wait",
        "lookml_link_id": d.id if d.is_lookml else None,
        "show_filters_bar": True,
        "show_title": True,
        "folder_id": d.folder_id,
        "text_tile_text_color": None,
        "tile_background_color": None,
        "tile_text_color": None,
        "title_color": None,
        "view_count": d.view_count,
        "appearance": None,
        "usage_count": d.view_count,
        "is_owner_disabled": disabled,
        "url": f"/dashboards/{d.id}",
        "preserve_desktop_layout": False,
    }


def lookml_model(m: ModelDef, project_name: str) -> dict[str, Any]:
    explores = [e for e in m.explores.values() if not e.is_extension]
    return {
        "can": _CAN_READ,
        "allowed_db_connection_names": [m.connection],
        "explores": [
            {
                "name": e.name,
                "description": e.data.get("description"),
                "label": e.data.get("label") or e.name.replace("_", " ").title(),
                "hidden": e.data.get("hidden") == "yes",
                "group_label": e.data.get("group_label") or m.label or m.name.title(),
            }
            for e in explores
        ],
        "has_content": bool(explores),
        "label": m.label or m.name.replace("_", " ").title(),
        "name": m.name,
        "project_name": project_name,
        "unlimited_db_connections": False,
    }
