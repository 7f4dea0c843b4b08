"""Reads of export jobs and schedules, narrowed to what a membership may see.

A member with the whole organization in view sees every export; one with a
perimeter sees the exports they asked for (another member's file may hold rows
from outside their perimeter)."""

from django.db.models import QuerySet

from config.registries import consultation

from .models import ExportJob, ExportSchedule


def jobs_for(membership) -> QuerySet[ExportJob]:
    # Export files past their consultation period leave the list and downloads
    # for every role, like the rows of the exports themselves (filters.py).
    jobs = consultation.within(ExportJob.objects.all(), "export_files")
    if membership.sees_all_sites:
        return jobs
    return jobs.filter(requested_by=membership)


def schedules_for(membership) -> QuerySet[ExportSchedule]:
    schedules = ExportSchedule.objects.all()
    if membership.sees_all_sites:
        return schedules
    return schedules.filter(created_by=membership)
