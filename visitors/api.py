"""API: visitors/, visit-types/, visits/ (+ actions, scan), watchlist/, kiosk-tokens/.

Refused actions (illegal transitions, blocking checks, stale codes) answer 409
with the reason; a bad field answers 400 naming it. The request and response
bodies are in visitors.serializers."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from config.filters import ListFilterBackend
from config.pagination import SearchPagination
from sites.selectors import desks_for, sites_for
from tenancy.permissions import ADMIN, COMPLIANCE, HOST, RECEPTION, IsMember, roles

from . import configuration, people, selectors, services
from .errors import DeskElsewhere, VisitError
from .filters import VisitFilter, VisitorFilter
from .models import Visit, Visitor, VisitType, WatchlistEntry
from .serializers import (
    UNKNOWN_DESK,
    ArriveSerializer,
    DepartSerializer,
    InviteeSerializer,
    KioskTokenSerializer,
    OnSiteSerializer,
    ReasonSerializer,
    ScanSerializer,
    VisitCreatedSerializer,
    VisitorSerializer,
    VisitSerializer,
    VisitTypeSerializer,
    WatchlistSerializer,
)


def conflict(exc: VisitError) -> Response:
    if exc.field:
        raise ValidationError({exc.field: exc.problems})
    return Response(
        {"detail": exc.message, "problems": exc.problems, "overridable": exc.overridable},
        status=status.HTTP_409_CONFLICT,
    )


# The body of conflict() lives beside it (not in visitors.serializers): its
# docstring is the schema's description of every 409 answer.
class ConflictSerializer(serializers.Serializer):
    """409: the visit's state or a rule stops the action (conflict() above)."""

    detail = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())
    overridable = serializers.BooleanField(help_text="true when a reason may override it")


HOST_FIELDS = (
    "Reception reaches the visitors of its sites' visits; a host the guests it invited, and of them "
    "only `id`, `first_name`, `last_name`, `company` and `language` (no e-mail or phone)."
)


class VisitorViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = VisitorSerializer
    pagination_class = SearchPagination
    permission_classes = [roles(ADMIN, RECEPTION, read=(HOST, COMPLIANCE))]
    http_method_names = ["get", "post", "patch", "head", "options"]

    filter_backends = [ListFilterBackend]
    filterset_class = VisitorFilter
    queryset = Visitor.objects.none()  # the filters' model, for the schema; rows come from get_queryset()

    def get_queryset(self):
        return selectors.daily_visitors(self.request.membership)

    def get_serializer_class(self):
        membership = getattr(self.request, "membership", None)
        if membership is not None and membership.role == HOST:
            return InviteeSerializer
        return VisitorSerializer

    @extend_schema(description=HOST_FIELDS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(description=HOST_FIELDS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        if not request.membership.sees_all_sites:
            # A person found by e-mail may be known only from other sites: the
            # answer (and the update of their phone or company) would reach them
            # outside the perimeter. With a visit, they enter it.
            raise PermissionDenied(
                _(
                    "Register the visitor with their visit (POST /api/v1/visits/ with a visitor "
                    "object): your perimeter reaches visitors through the visits of its sites."
                )
            )
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        try:
            serializer.instance = people.find_or_create_visitor(
                organization=self.request.organization, **serializer.validated_data
            )
        except VisitError as exc:
            raise ValidationError({exc.field or "visitor": exc.problems}) from exc

    def perform_update(self, serializer):
        people.update_visitor(visitor=serializer.instance, **serializer.validated_data)


class VisitTypeViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = VisitTypeSerializer
    permission_classes = [roles(ADMIN, read=(RECEPTION, HOST, COMPLIANCE))]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return VisitType.objects.prefetch_related("approvers")

    def perform_create(self, serializer):
        serializer.instance = configuration.save_visit_type(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        # The answer shows the saved row (it showed the row as it was before).
        serializer.instance = configuration.save_visit_type(
            organization=self.request.organization,
            visit_type=VisitType.objects.get(pk=serializer.instance.pk),
            **serializer.validated_data,
        )


class VisitViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = VisitSerializer
    pagination_class = SearchPagination
    permission_classes = [roles(ADMIN, RECEPTION, HOST, read=(COMPLIANCE,))]
    filter_backends = [ListFilterBackend]
    filterset_class = VisitFilter
    queryset = Visit.objects.none()  # the filters' model, for the schema; rows come from get_queryset()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action in ("arrive", "depart"):
            return selectors.visits_for(self.request.membership)
        visits = selectors.daily_visits(self.request.membership)
        if self.action != "list":
            return visits
        # The query string's filters (visitors/filters.py) apply after this.
        return visits.order_by("-expected_at", "-pk")

    def _membership(self):
        return self.request.membership

    @extend_schema(responses={201: VisitCreatedSerializer, 409: ConflictSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = self._membership()
        host = member if member.role == HOST else data.get("host")
        try:
            visit = services.pre_register(
                organization=request.organization,
                site=data["site"],
                desk=data.get("desk"),
                visit_type=data["visit_type"],
                expected_at=data["expected_at"],
                expected_until=data.get("expected_until"),
                visitor=data.get("existing_visitor"),
                visitor_values=data.get("visitor"),
                host=host,
                notes=data.get("notes", ""),
                by=member,
                override_reason=data.get("override_reason", ""),
            )
        except VisitError as exc:
            return conflict(exc)
        body = VisitCreatedSerializer(visit, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: VisitSerializer, 409: ConflictSerializer})
    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        serializer = self.get_serializer(visit, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if self._membership().role == HOST:
            data.pop("host", None)  # a host cannot hand a visit to someone else
        try:
            if data.get("visitor"):
                people.update_visitor(visitor=visit.visitor, **data.pop("visitor"))
            data.pop("existing_visitor", None)
            data.pop("override_reason", None)
            services.update_visit(visit=visit, by=self._membership(), **data)
        except VisitError as exc:
            return conflict(exc)
        return Response(self.get_serializer(visit).data)

    def _act(self, func, **kwargs):
        """Run an action's service on the visit of the URL, read locked within
        the caller's perimeter by the service itself: 404 when it is not there."""
        try:
            visit = func(**kwargs)
        except Visit.DoesNotExist as exc:
            raise Http404 from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(_("Only an admin or an approver of this visit type decides.")) from exc
        except DeskElsewhere:
            raise  # the caller knows whether the desk is one of the member's
        except VisitError as exc:
            return conflict(exc)
        return Response(VisitSerializer.represent(visit))

    def _within(self):
        """The visits the caller may act upon (the perimeter, once:
        selectors.in_perimeter), nothing joined: the services join what they need."""
        return selectors.in_perimeter(self._membership())

    def _body(self, form_class, *, deciders_only: bool = False):
        """The validated body, or 400; but first 404 for a visit out of reach
        (and 403 for who may not decide), as when the visit was read before the
        body. Those reads happen only for a bad body."""
        form = form_class(data=self.request.data, context=self.get_serializer_context())
        if not form.is_valid():
            visit = self.get_object()
            if deciders_only and not services.can_decide(visit, self._membership()):
                raise PermissionDenied(_("Only an admin or an approver of this visit type decides."))
            raise ValidationError(form.errors)
        return form.validated_data

    def _front_desk(self):
        if self._membership().role not in (ADMIN, RECEPTION):
            raise PermissionDenied(_("Only reception registers arrivals and departures."))

    def _front_desk_only(self):
        """404 for what the caller cannot see, as for any action; then 403."""
        if self._membership().role not in (ADMIN, RECEPTION):
            self.get_object()
            self._front_desk()

    @extend_schema(request=ArriveSerializer, responses={200: VisitSerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        member = self._membership()
        self._front_desk_only()
        form = ArriveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        desk_id = form.validated_data.get("desk")
        try:
            # The desk is read with the visit, locked (404 first for a visit out of reach).
            return self._act(
                services.arrive,
                visit=int(pk),
                visits=self._within(),
                desk_id=desk_id,
                by=member,
                override_reason=form.validated_data.get("override_reason", ""),
            )
        except DeskElsewhere as exc:
            if not desks_for(member).filter(pk=desk_id).exists():
                raise ValidationError({"desk": [UNKNOWN_DESK.format(pk_value=desk_id)]}) from exc
            return conflict(exc)

    @extend_schema(request=DepartSerializer, responses={200: VisitSerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"])
    def depart(self, request, pk=None):
        self._front_desk_only()
        data = self._body(DepartSerializer)
        return self._act(
            services.depart,
            visit=int(pk),
            visits=self._within(),
            desk=data.get("desk"),
            by=self._membership(),
        )

    # Cancel and decisions reach the visits of the consultation period (as the
    # visit's page and GET visits/{id}/ do).
    @extend_schema(request=ReasonSerializer, responses={200: VisitSerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = self._body(ReasonSerializer)
        return self._act(
            services.cancel,
            visit=int(pk),
            visits=selectors.daily_visits(self._membership()),
            by=self._membership(),
            reason=data.get("reason", ""),
        )

    # Approvers may hold any role (a compliance officer, a host): the decision
    # is checked against the visit type, not the role.
    @extend_schema(request=None, responses={200: VisitSerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsMember])
    def approve(self, request, pk=None):
        return self._act(
            services.approve,
            visit=int(pk),
            visits=selectors.daily_visits(self._membership()),
            by=self._membership(),
            deciders_only=True,
        )

    @extend_schema(request=ReasonSerializer, responses={200: VisitSerializer, 409: ConflictSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsMember])
    def refuse(self, request, pk=None):
        data = self._body(ReasonSerializer, deciders_only=True)
        return self._act(
            services.refuse,
            visit=int(pk),
            visits=selectors.daily_visits(self._membership()),
            by=self._membership(),
            reason=data.get("reason", ""),
            deciders_only=True,
        )

    @extend_schema(request=ScanSerializer, responses={200: VisitSerializer, 409: ConflictSerializer})
    @action(detail=False, methods=["post"])
    def scan(self, request):
        self._front_desk()
        form = ScanSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            visit, action_done = services.scan(
                code=data["code"],
                visits=self._within(),
                desk=data.get("desk"),
                by=self._membership(),
                override_reason=data.get("override_reason", ""),
            )
        except VisitError as exc:
            return conflict(exc)
        body = self.get_serializer(visit).data
        body["action"] = action_done
        return Response(body)


class OnSiteViewSet(viewsets.GenericViewSet):
    """`GET sites/{id}/on-site/`: everyone on site now, unpaginated (a roll call
    must be complete). PostgreSQL writes the JSON (selectors.on_site_json)."""

    lookup_value_converter = "int"
    serializer_class = OnSiteSerializer
    permission_classes = [roles(ADMIN, RECEPTION, COMPLIANCE)]
    pagination_class = None

    def get_queryset(self):
        return sites_for(self.request.membership)

    @extend_schema(responses={200: OnSiteSerializer(many=True)})
    def on_site(self, request, pk=None):
        site = self.get_object()
        return HttpResponse(selectors.on_site_json(site), content_type="application/json")


class WatchlistViewSet(viewsets.ModelViewSet):
    lookup_value_converter = "int"
    serializer_class = WatchlistSerializer
    permission_classes = [roles(ADMIN)]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.watchlist_entries()

    def perform_create(self, serializer):
        serializer.instance = configuration.add_watchlist_entry(
            organization=self.request.organization, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        configuration.update_watchlist_entry(
            entry=WatchlistEntry.objects.get(pk=serializer.instance.pk), **serializer.validated_data
        )

    def perform_destroy(self, instance):
        configuration.remove_watchlist_entry(entry=instance)


class KioskTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Create answers the key once (`key`, `url`); DELETE revokes."""

    lookup_value_converter = "int"
    serializer_class = KioskTokenSerializer
    permission_classes = [roles(ADMIN)]

    def get_queryset(self):
        return selectors.kiosk_tokens()

    @extend_schema(responses={201: VisitCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = configuration.create_kiosk_token(**serializer.validated_data)
        body = self.get_serializer(token).data
        body["key"] = key
        body["url"] = request.build_absolute_uri(f"/kiosk/{key}/")
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        configuration.revoke_kiosk_token(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
