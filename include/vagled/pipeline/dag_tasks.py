"""The load path as Airflow tasks: ``extract_<x> >> stage_<x> >> publish_<x>``, the same in every DAG.

Cheap to import (only ``airflow.sdk``): the feed's own code is imported inside the tasks, at run
time, so DAG files stay fast to parse.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, get_current_context, task

from vagled.pools import pool_for_feed


def load_path(feed: str, *, asset_uri: str, name: str | None = None) -> Any:
    """Add the three load-path tasks of ``feed`` to the DAG being defined and return publish's XComArg.

    Args:
        feed: the feed's name (a key of ``vagled.feeds.FEED_MODULES``).
        asset_uri: the Asset the publish task emits when a batch is published.
        name: the suffix of the task ids (default: the feed's name).
    """
    name = name or feed

    # Only extract calls the upstream: it runs in that upstream's pool (vagled.pools).
    @task(task_id=f"extract_{name}", pool=pool_for_feed(feed))
    def extract() -> dict[str, Any]:
        """Open a batch in audit.load_batch for the run's period and land every answer in raw."""
        from vagled.pipeline import tasks

        context = get_current_context()
        return tasks.extract(
            feed,
            data_interval_start=context.get("data_interval_start"),
            data_interval_end=context.get("data_interval_end"),
            params=context["params"],
            run_id=context["run_id"],
        )

    @task(task_id=f"stage_{name}")
    def stage(extracted: dict[str, Any]) -> dict[str, Any]:
        """Parse the landed payloads, COPY to staging and validate; failing rows go to quarantine."""
        from vagled.pipeline import tasks

        return tasks.stage(feed, extracted["batch_id"])

    @task(task_id=f"publish_{name}", outlets=[Asset(asset_uri)])
    def publish(extracted: dict[str, Any], staged: dict[str, Any]) -> dict[str, Any]:
        """Merge the staged batch into core in one transaction and close its audit row."""
        from vagled.pipeline import tasks

        return tasks.publish(feed, extracted["batch_id"], watermark=extracted.get("watermark"))

    extracted = extract()
    return publish(extracted, stage(extracted))


def load_path_per_partition(
    feeds: tuple[str, ...],
    partitions: Any,
    *,
    asset_uris: tuple[str, ...],
    name: str,
) -> Any:
    """Add the load path of ``feeds`` as a task group mapped over ``partitions`` (dynamic task mapping).

    Each mapped group (one per partition, e.g. per municipality) runs
    ``extract_<name> >> stage_<name> >> publish_<name>`` with one batch per feed and partition. Tasks
    of a mapped group depend on the same map index only, so a failing partition never blocks the others.

    Args:
        feeds: the feeds loaded for every partition (keys of ``vagled.feeds.FEED_MODULES``).
        partitions: an XComArg or list of partition keys.
        asset_uris: the Assets the publish task emits.
        name: the suffix of the task ids and the group id ``load_<name>``.
    """
    from airflow.sdk import task_group

    feeds = tuple(feeds)

    @task_group(group_id=f"load_{name}")
    def per_partition(partition: str) -> Any:
        @task(task_id=f"extract_{name}", pool=pool_for_feed(*feeds))
        def extract(partition: str) -> dict[str, Any]:
            """Open this partition's batches and land its payloads in raw."""
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

        @task(task_id=f"stage_{name}")
        def stage(extracted: dict[str, Any]) -> dict[str, Any]:
            """Parse, COPY to staging and validate this partition's batches; failing rows to quarantine."""
            from vagled.pipeline import tasks

            return tasks.stage_partition(extracted)

        @task(task_id=f"publish_{name}", outlets=[Asset(uri) for uri in asset_uris])
        def publish(staged: dict[str, Any]) -> dict[str, Any]:
            """Merge this partition's staged batches into core, each in one transaction."""
            from vagled.pipeline import tasks

            return tasks.publish_partition(staged)

        return publish(stage(extract(partition)))

    return per_partition.expand(partition=partitions)
