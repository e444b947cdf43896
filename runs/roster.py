"""Who is on a run's roster: joining with the invitation link or the join code, removal, and the
import of a roster from a CSV file, all or nothing.

Trusted: the run and the acting user (the views checked the actor's role). Not trusted: a join
code typed in, and the CSV file, every byte of it. A file only names existing accounts: it never
creates one, and of an account it changes nothing but an empty first or last name.
"""

import codecs
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower

from grader.models import AuditEntry

from .models import CourseRun, Enrollment

MAX_MEGABYTES = 1
# Under the site's limit on a request (DATA_UPLOAD_MAX_MEMORY_SIZE, 1 MiB), so that a file just too
# large gets its own error here; a much larger one is refused with the site's "too large" page.
MAX_BYTES = MAX_MEGABYTES * 1000 * 1000
MAX_ROWS = 5000
NAME_PART_LENGTH = 150  # User.first_name and User.last_name
COLUMNS = "username or e-mail, name, and an optional role (student or ta)"
FORMAT = f"one row per person: {COLUMNS}"
HEADER_WORDS = {"username", "user", "email", "e-mail", "username or email", "username or e-mail"}
ROLE_WORDS = {"": Enrollment.STUDENT, "student": Enrollment.STUDENT, "ta": Enrollment.TA}
ROLE_NAMES = dict(Enrollment.ROLES)
NAMED_IN_SUMMARY = 10  # new roles listed by name; beyond that, counted


def normalize_code(code: str) -> str:
    """Join codes are read aloud and typed in: case and spaces do not matter."""
    return "".join(code.split()).upper()


def find_run(code: str) -> CourseRun | None:
    return CourseRun.objects.select_related("course").filter(join_code__iexact=normalize_code(code)).first()


@dataclass(frozen=True)
class Conflict:
    """Why a user cannot be on a run's roster in any role."""

    other_run: CourseRun | None  # None: the user is one of the course's staff
    admin: bool = False

    def text(self, who_is: str, course: str) -> str:
        """`who_is`: "You are" or "alice is"; `course`: how to name the run's course."""
        if self.admin:
            return f"{who_is} an admin: admins need no enrollment"
        if self.other_run is None:
            return f"{who_is} an instructor of {course}: instructors need no enrollment"
        return f"{who_is} a student of {self.other_run.title}, another run of {course}"


def conflicts(run: CourseRun, users) -> dict[int, Conflict]:
    """The users (by pk) of `users` who cannot be on `run`'s roster: the course's staff see every
    run without one, and a student takes one run of a course at a time (a student of an open run,
    who joined it by practising, moves: see leave_open_runs)."""
    ids = [user.pk for user in users]
    found = {user.pk: Conflict(None, admin=True) for user in users if user.is_superuser}
    for user_id in run.course.instructors.filter(pk__in=ids).values_list("pk", flat=True):
        found.setdefault(user_id, Conflict(None))
    elsewhere = (Enrollment.objects.filter(run__course=run.course, role=Enrollment.STUDENT, user__in=ids)
                 .exclude(run=run).exclude(run__open_to_all=True).select_related("run"))
    for enrollment in elsewhere:
        found.setdefault(enrollment.user_id, Conflict(enrollment.run))
    return found


class Refused(Exception):
    """The user may not join the run: the message says why."""


def join_refusal(run: CourseRun, user) -> str:
    """Why `user` may not join `run` as a student with its code ("" when they may)."""
    if not run.joining_enabled:
        return (f"Joining {run.title} with its invitation link or code is turned off. "
                "Ask the course's instructors for a new one.")
    enrollment = run.enrollments.filter(user=user).first()
    if enrollment:
        return f"You are already in {run.title} as a {enrollment.get_role_display()}."
    conflict = conflicts(run, [user]).get(user.pk)
    return f"{conflict.text('You are', run.course.title)}." if conflict else ""


def join(run: CourseRun, user) -> Enrollment:
    """Enroll `user` in `run` as a student; raises Refused (see join_refusal)."""
    with transaction.atomic():
        # One roster change at a time (a double click, an import): each checks the roster as it is.
        CourseRun.objects.select_for_update().get(pk=run.pk)
        refusal = join_refusal(run, user)
        if refusal:
            raise Refused(refusal)
        leave_open_runs(run, [user])
        return Enrollment.objects.create(run=run, user=user, role=Enrollment.STUDENT)


def leave_open_runs(run: CourseRun, users) -> None:
    """Students of the course's open runs who join `run` leave them: their work goes with them,
    since a run's grades are its roster's work in the course."""
    Enrollment.objects.filter(run__course=run.course, run__open_to_all=True, role=Enrollment.STUDENT,
                              user__in=users).exclude(run=run).delete()


def remove(enrollment: Enrollment, actor) -> None:
    """Take someone off a run's roster. Their submissions, quiz attempts and grades stay: they count
    again if they join a run of the course later."""
    run = enrollment.run
    with transaction.atomic():
        enrollment.delete()
        AuditEntry.record(actor, AuditEntry.ROSTER, run.course,
                          f"roster of {run.title}: {enrollment.user.get_username()} removed",
                          enrollment.get_role_display(), "")


def roster_counts(run: CourseRun) -> str:
    """"30 students, 2 TAs": what the audit log keeps before and after a change."""
    roles = list(run.enrollments.values_list("role", flat=True))
    return f"{roles.count(Enrollment.STUDENT)} students, {roles.count(Enrollment.TA)} TAs"


@dataclass(frozen=True)
class Row:
    line: int
    identifier: str
    name: str
    role: str
    extra_columns: bool = False


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    added: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # already on the roster, in the same role or not
    new_roles: list = field(default_factory=list)  # (user, role) for those of `kept` whose role changed

    @property
    def summary(self) -> str:
        text = f"{len(self.added)} added, {len(self.kept)} already on the roster"
        if len(self.new_roles) > NAMED_IN_SUMMARY:
            text += f"; {len(self.new_roles)} with a new role"
        elif self.new_roles:
            text += "; new role for " + ", ".join(
                f"{user.get_username()} ({ROLE_NAMES[role]})" for user, role in self.new_roles)
        return text


def decode(data: bytes) -> str:
    """The file's text; raises ValueError naming the first byte that is not UTF-8."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        position = start + error.start
        line = data.count(b"\n", 0, position) + 1
        raise ValueError(f"The file is not UTF-8 text: byte {position + 1} (0x{data[position]:02X}, on line "
                         f"{line}) is not valid UTF-8. Save it again as \"CSV UTF-8\".") from None


def parse(data: bytes) -> list[Row]:
    """The file's rows; raises ValueError when the file as a whole cannot be read."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"The file is larger than {MAX_MEGABYTES} MB: split it in several.")
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    rows, line = [], 1  # line: where the next record starts, as a quoted field may span lines
    try:
        for cells in reader:
            row_line, line = line, reader.line_num + 1
            cells = [cell.strip() for cell in cells]
            if not any(cells) or (not rows and cells[0].lower() in HEADER_WORDS):
                continue
            identifier, name, role = (cells + ["", ""])[:3]
            rows.append(Row(row_line, identifier, name, role.lower(), extra_columns=any(cells[3:])))
    except csv.Error as error:
        raise ValueError(f"line {line}: this is not CSV ({error}).") from None
    if not rows:
        raise ValueError(f"The file has no rows. It needs {FORMAT}.")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"The file has {len(rows)} rows; at most {MAX_ROWS} are imported at once: "
                         "split it in several.")
    return rows


def find_accounts(rows: list[Row]) -> tuple[dict, dict]:
    """Accounts by exact username, and lists of accounts by lower-cased e-mail, for every row."""
    users = get_user_model().objects
    identifiers = {row.identifier for row in rows if row.identifier}
    by_username = {user.get_username(): user for user in users.filter(username__in=identifiers)}
    emails = {identifier.lower() for identifier in identifiers - by_username.keys()}
    by_email = defaultdict(list)
    for user in users.annotate(email_lower=Lower("email")).filter(email_lower__in=emails).order_by("pk"):
        by_email[user.email_lower].append(user)
    return by_username, by_email


def check(run: CourseRun, rows: list[Row]) -> tuple[list, list[str]]:
    """(row, user) for each row, or the errors of the rows, by line."""
    by_username, by_email = find_accounts(rows)
    matched, errors, seen = [], [], {}
    for row in rows:
        user, error = None, ""
        if row.extra_columns:
            error = f"more than 3 columns; the columns are {COLUMNS}"
        elif not row.identifier:
            error = "no username or e-mail"
        elif row.role not in ROLE_WORDS:
            error = f"unknown role '{row.role}' (student or ta)"
        elif row.identifier in by_username:
            user = by_username[row.identifier]
        elif len(by_email[row.identifier.lower()]) > 1:
            error = (f"{len(by_email[row.identifier.lower()])} accounts have the e-mail '{row.identifier}': "
                     "give the username")
        elif by_email[row.identifier.lower()]:
            user = by_email[row.identifier.lower()][0]
        else:
            error = f"no account has the username or e-mail '{row.identifier}'"
        if user and user.pk in seen:
            error, user = f"{user.get_username()} is already on line {seen[user.pk]}", None
        if not error and any(len(part) > NAME_PART_LENGTH for part in split_name(row.name)):
            error = f"the name is longer than {NAME_PART_LENGTH} characters"
        if error:
            errors.append((row.line, error))
        if user:
            seen[user.pk] = row.line
            matched.append((row, user))
    found = conflicts(run, [user for _, user in matched])
    errors += [(row.line, found[user.pk].text(f"{user.get_username()} is", "this course"))
               for row, user in matched if user.pk in found]
    return matched, [f"line {line}: {error}" for line, error in sorted(errors)]


def split_name(name: str) -> tuple[str, str]:
    """First and last name, split at the last space ("Ada King Lovelace" -> "Ada King", "Lovelace")."""
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


def import_roster(run: CourseRun, data: bytes, actor) -> ImportResult:
    """Enroll everyone the file names, or, if any row has an error, nobody: the result lists every
    error, by line. Already enrolled people take the row's role."""
    try:
        rows = parse(data)
    except ValueError as error:
        return ImportResult([str(error)])
    with transaction.atomic():
        # Two imports of one run at the same time would check each other's rows against a stale roster.
        CourseRun.objects.select_for_update().get(pk=run.pk)
        matched, errors = check(run, rows)
        if errors:
            return ImportResult(errors)
        before = roster_counts(run)
        result = apply(run, matched)
        AuditEntry.record(actor, AuditEntry.ROSTER, run.course,
                          f"roster of {run.title}: {result.summary} by CSV import", before, roster_counts(run))
    return result


def apply(run: CourseRun, matched: list) -> ImportResult:
    result = ImportResult()
    enrollments = {enrollment.user_id: enrollment for enrollment in
                   run.enrollments.filter(user__in=[user for _, user in matched])}
    new, changed, named = [], [], []
    for row, user in matched:
        role = ROLE_WORDS[row.role]
        enrollment = enrollments.get(user.pk)
        if enrollment is None:
            new.append(Enrollment(run=run, user=user, role=role))
            result.added.append(user)
        else:
            result.kept.append(user)
            if enrollment.role != role:
                enrollment.role = role
                changed.append(enrollment)
                result.new_roles.append((user, role))
        first, last = split_name(row.name)
        if (first and not user.first_name) or (last and not user.last_name):
            user.first_name, user.last_name = user.first_name or first, user.last_name or last
            named.append(user)
    leave_open_runs(run, [e.user for e in new + changed if e.role == Enrollment.STUDENT])
    Enrollment.objects.bulk_create(new)
    Enrollment.objects.bulk_update(changed, ["role"])
    get_user_model().objects.bulk_update(named, ["first_name", "last_name"])
    return result
