"""The load path as Airflow tasks: ``extract_<x> >> stage_<x> >> publish_<x>``, the same in every DAG.

After publish, ``data_docs_<x>`` (a teardown task: it runs whether publish succeeded or rejected
the batch, and its outcome never decides the run's) renders the batch's Data Docs, a cost kept off
the path of the batch.

Cheap to import: a DAG file passes only a feed's name; its pool and Asset are read from the feed's
spec (vagled.feeds.<feed>.spec, cheap modules only), and the load path itself is imported inside
the tasks, at run time, so DAG files stay fast to parse. Each task's docstring is its doc in the Airflow UI (what it
does, reads and writes, how to rerun it); each task alerts with its feed named when it fails, and
the publish task also when it published a batch with records in quarantine.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, get_current_context, task

from vagled.feeds import get_feed
from vagled.monitoring.alerts import AlertNotifier
from vagled.pools import pool_for_feed


def _alerts(feeds: tuple[str, ...], *, publish: bool = False) -> dict[str, Any]:
    """Task-level callbacks naming the task's feeds: failures always, quarantined rows on publish."""
    callbacks: dict[str, Any] = {"on_failure_callback": [AlertNotifier(event="failure", feeds=feeds)]}
    if publish:
        callbacks["on_success_callback"] = [AlertNotifier(event="success", feeds=feeds)]
    return callbacks


def load_path(feed: str, *, name: str | None = None, run_params: Any = None) -> Any:
    """Add the three load-path tasks of ``feed`` to the DAG being defined and return publish's XComArg.

    The publish task emits the feed's Asset (``FeedSpec.asset_uri``) when a batch is published; the
    extract task runs in the pool of the feed's upstream (``FeedSpec.pool``).

    Args:
        feed: the feed's name (one of ``vagled.feeds.FEEDS``).
        name: the suffix of the task ids (default: the feed's name).
        run_params: an upstream task's XComArg (a dict) merged over the run's params, e.g. the
            period and links a publication check found; extract then runs after that task.
    """
    name = name or feed
    asset_uri = get_feed(feed).asset_uri

    # Only extract calls the upstream: it runs in that upstream's pool (vagled.pools).
    @task(task_id=f"extract_{name}", pool=pool_for_feed(feed), **_alerts((feed,)))
    def extract(found: dict[str, Any] | None = None) -> dict[str, Any]:
        """Open a batch for the run's period and land every answer of the upstream in raw.

        - **Reads:** the feed's upstream, through its Airflow connection; the run's period (data
          interval, or params `period_start`/`period_end` on a manual run).
        - **Writes:** audit.load_batch (a new batch, `running`; a batch of the same period left
          running by a dead run is closed as failed), raw.landed_payload (immutable).
        - **Returns (XCom):** the batch id and what was landed.
        - **Rerun:** clear this task and its downstream tasks: a new batch is opened for the same
          period and the earlier one is closed. Backfill: see the DAG's doc.
        """
        from vagled.pipeline import tasks

        context = get_current_context()
        return tasks.extract(
            feed,
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
            params={**context["params"], **(found or {})},
            run_id=context["run_id"],
        )

    @task(task_id=f"stage_{name}", **_alerts((feed,)))
    def stage(extracted: dict[str, Any]) -> dict[str, Any]:
        """Parse the batch's landed payloads, COPY them to staging and validate them with the feed's suite.

        - **Reads:** raw.landed_payload of the batch; the suite `expectations/<suite>.json` and the
          reference codes it checks against (core dimensions).
        - **Writes:** staging.<feed table>, quarantine.record (each failing row with every failed
          expectation), audit.load_batch counts, audit.validation_result (Data Docs come after publish).
        - **Fails without retry** when the source's structure changed (batch `rejected`).
        - **Rerun:** clearing it restages the batch from raw (what an earlier try staged is removed first).
        """
        from vagled.pipeline import tasks

        return tasks.stage(feed, extracted["batch_id"])

    @task(task_id=f"publish_{name}", outlets=[Asset(asset_uri)], **_alerts((feed,), publish=True))
    def publish(extracted: dict[str, Any], staged: dict[str, Any]) -> dict[str, Any]:
        """Merge the staged batch into core in one transaction, close its audit row, emit the feed's Asset.

        - **Reads:** staging.<feed table> of the batch, quarantine.record (rows held back).
        - **Writes:** the feed's core tables (insert … on conflict, only rows that changed),
          audit.load_batch (`succeeded`, received = loaded + quarantined + duplicates), clears staging.
        - **Fails without retry** (batch `rejected`, nothing published) when the quarantined share is
          above the feed's threshold; a data-quality alert names the batch. A batch published with
          quarantined rows also raises a data-quality alert.
        - **Rerun:** a published batch is not published twice; rerun the whole DAG run to load the
          period again. Quarantined rows, once fixed, are replayed with `vagled quarantine replay BATCH`.
        """
        from vagled.pipeline import tasks

        return tasks.publish(feed, extracted["batch_id"], watermark=extracted.get("watermark"))

    @task(task_id=f"data_docs_{name}", **_alerts((feed,)))
    def data_docs(extracted: dict[str, Any] | None) -> dict[str, Any]:
        """Render the batch's validation result in the GX Data Docs site, after publish.

        - **Reads:** audit.validation_result and quarantine.record of the batch.
        - **Writes:** the GX Data Docs site under `$VAGLED_HOME/gx` (a view: audit.validation_result
          is the record of truth). Never fails a load; a batch whose stage never committed has none.
        - **Rerun:** clear this task alone to render the batch's page again.
        """
        from vagled.pipeline import tasks

        # None when extract failed: the teardown still runs, and must not fail (nor alert) for it.
        return tasks.data_docs(feed, (extracted or {}).get("batch_id"))

    extracted = extract(run_params) if run_params is not None else extract()
    published = publish(extracted, stage(extracted))
    docs = data_docs(extracted)
    published >> docs
    # A teardown: it runs after publish succeeded or failed, and its outcome never decides the run's.
    docs.as_teardown()
    return published


def load_path_per_partition(
    feeds: tuple[str, ...],
    partitions: Any,
    *,
    name: str,
) -> Any:
    """Add the load path of ``feeds`` as a task group mapped over ``partitions`` (dynamic task mapping).

    Each mapped group (one per partition, e.g. per municipality) runs
    ``extract_<name> >> stage_<name> >> publish_<name>`` with one batch per feed and partition. Tasks
    of a mapped group depend on the same map index only, so a failing partition never blocks the others.

    Args:
        feeds: the feeds loaded for every partition (of ``vagled.feeds.FEEDS``); the publish task
            emits each feed's Asset (``FeedSpec.asset_uri``).
        partitions: an XComArg or list of partition keys.
        name: the suffix of the task ids and the group id ``load_<name>``.
    """
    from airflow.sdk import task_group

    feeds = tuple(feeds)
    asset_uris = tuple(dict.fromkeys(get_feed(feed).asset_uri for feed in feeds))

    @task_group(group_id=f"load_{name}")
    def per_partition(partition: str) -> Any:
        @task(task_id=f"extract_{name}", pool=pool_for_feed(*feeds), **_alerts(feeds))
        def extract(partition: str) -> dict[str, Any]:
            """Open this part's batches (one per feed) and land its payloads in raw.

            - **Reads:** the part's files on the feed's upstream (e.g. one municipality's folder);
              the run's period.
            - **Writes:** audit.load_batch (`partition_key` = the part), raw.landed_payload.
            - **Rerun:** clear this mapped task (and its downstream) to reload only this part.
            """
            from vagled.pipeline import tasks

            context = get_current_context()
            return tasks.extract_partition(
                feeds,
                partition,
                data_interval_start=context.get("data_interval_start"),
                data_interval_end=context.get("data_interval_end"),
                params=context["params"],
                run_id=context["run_id"],
            )

        @task(task_id=f"stage_{name}", **_alerts(feeds))
        def stage(extracted: dict[str, Any]) -> dict[str, Any]:
            """Parse, COPY to staging and validate this part's batches; failing rows to quarantine.

            - **Reads:** raw.landed_payload of the part's batches, the feeds' suites.
            - **Writes:** staging tables, quarantine.record, audit.load_batch counts,
              audit.validation_result (Data Docs are rendered by publish, after it). A file whose
              structure is wrong rejects its own batch only.
            - **Rerun:** clearing it restages the part's batches from raw.
            """
            from vagled.pipeline import tasks

            return tasks.stage_partition(extracted)

        @task(task_id=f"publish_{name}", outlets=[Asset(uri) for uri in asset_uris], **_alerts(feeds, publish=True))
        def publish(staged: dict[str, Any]) -> dict[str, Any]:
            """Merge this part's staged batches into core, each in one transaction; emit the Assets.

            - **Reads:** the part's staged rows and quarantine.record.
            - **Writes:** the feeds' core tables, audit.load_batch (`succeeded` or `rejected`), then
              each batch's GX Data Docs page.
            - **Fails without retry** when any of the part's batches was rejected (a data-quality
              alert names it); quarantined rows in a published batch also raise one.
            - **Rerun:** clear the part's mapped tasks, or replay fixed quarantined rows with
              `vagled quarantine replay BATCH`.
            """
            from vagled.pipeline import tasks

            return tasks.publish_partition(staged)

        return publish(stage(extract(partition)))

    return per_partition.expand(partition=partitions)
