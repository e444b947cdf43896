"""The CSV import of a run's roster: existing accounts by username or e-mail, all or nothing, every
error listed by line on the roster page, a summary and one audit entry when it works."""

import codecs

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from grader.models import AuditEntry
from runs import roster
from runs.models import CourseRun, Enrollment
from tests.runs.base import RosterTestCase


class RosterImportTestCase(RosterTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.ian)
        self.carol = User.objects.create_user("carol", "Carol@Example.org", "x")

    def upload(self, content: str | bytes):
        data = content.encode() if isinstance(content, str) else content
        return self.client.post(f"{self.url}roster/import/", {"roster": SimpleUploadedFile("roster.csv", data)})

    def assert_refused(self, content: str | bytes, *errors: str):
        response = self.upload(content)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["import_errors"], list(errors))
        self.assertContains(response, "Nothing was imported", status_code=400)
        self.assertEqual(set(self.run.enrollments.values_list("user__username", "role")),
                         {("alice", "student"), ("tara", "ta")})
        self.assertFalse(AuditEntry.objects.exists())

    def roster(self) -> dict[str, str]:
        return dict(self.run.enrollments.values_list("user__username", "role"))

    def test_it_enrolls_every_row_and_says_how_many(self):
        response = self.upload("bob,Bob Stone\ncarol,Carol Ann Lee,ta\nalice,Alice Liddell\n")
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertEqual(self.roster(), {"alice": "student", "bob": "student", "carol": "ta", "tara": "ta"})
        self.assertContains(self.client.get(self.url), "Roster imported: 2 added, 1 already on the roster.")

    def test_students_of_the_open_run_move_to_this_one(self):
        Enrollment.objects.create(run=self.course.runs.get(slug="open"), user=self.bob)
        self.upload("bob,Bob Stone\n")
        self.assertEqual([e.run for e in Enrollment.objects.filter(user=self.bob)], [self.run])

    def test_it_fills_empty_names_only(self):
        self.bob.last_name = "Kept"
        self.bob.save()
        self.upload("bob,Bob Stone\ncarol,Carol Ann Lee\n")
        self.bob.refresh_from_db()
        self.carol.refresh_from_db()
        self.assertEqual((self.bob.first_name, self.bob.last_name), ("Bob", "Kept"))
        self.assertEqual((self.carol.first_name, self.carol.last_name), ("Carol Ann", "Lee"))

    def test_it_gives_people_already_on_the_roster_the_rows_role(self):
        self.upload("alice,,ta\ntara,,student\n")
        self.assertEqual(self.roster(), {"alice": "ta", "tara": "student"})
        self.assertContains(self.client.get(self.url), "0 added, 2 already on the roster; new role for "
                                                       "alice (teaching assistant), tara (student).")

    def test_it_records_one_audit_entry(self):
        self.upload("bob\ncarol,,ta\n")
        entry = AuditEntry.objects.get()
        self.assertEqual((entry.actor, entry.action, entry.course), (self.ian, AuditEntry.ROSTER, self.course))
        self.assertEqual(entry.subject, "roster of Spring 2027: 2 added, 0 already on the roster by CSV import")
        self.assertEqual((entry.before, entry.after), ("1 students, 1 TAs", "2 students, 2 TAs"))

    def test_it_finds_accounts_by_e_mail_whatever_its_case(self):
        self.upload("BOB@example.org,Bob\ncarol@example.ORG,Carol\n")
        self.assertEqual(set(self.roster()), {"alice", "bob", "carol", "tara"})

    def test_a_username_comes_before_an_e_mail(self):
        User.objects.create_user("dave@example.org", "carol@example.org", "x")
        self.upload("dave@example.org\n")
        self.assertIn("dave@example.org", self.roster())
        self.assertNotIn("carol", self.roster())

    def test_it_skips_a_header_row_and_blank_lines(self):
        self.upload("Username,Name,Role\n\nbob,Bob,student\n,,\n")
        self.assertEqual(set(self.roster()), {"alice", "bob", "tara"})

    def test_it_reads_a_byte_order_mark(self):
        self.upload(codecs.BOM_UTF8 + "Username,Name\nbob,Bób\n".encode())
        self.assertIn("bob", self.roster())
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.first_name, "Bób")

    def test_it_reads_quoted_fields(self):
        self.upload('"carol","Lee, Carol","ta"\n')
        self.assertEqual(self.roster()["carol"], "ta")

    def test_one_bad_line_imports_nothing(self):
        self.assert_refused("bob,Bob\ncarol,Carol\nnobody,No One\n",
                            "line 3: no account has the username or e-mail 'nobody'")
        self.bob.refresh_from_db()
        self.assertEqual(self.bob.first_name, "")

    def test_it_lists_every_error_by_line(self):
        User.objects.create_user("twin", "shared@example.org", "x")
        User.objects.create_user("twin2", "Shared@example.org", "x")
        other = CourseRun.objects.create(course=self.course, slug="fall", title="Fall 2026")
        Enrollment.objects.create(run=other, user=self.bob)
        self.assert_refused(
            "username,name,role\n"
            "ian,Ian\n"
            "bob,Bob\n"
            "carol,Carol,teacher\n"
            ",Nobody\n"
            "shared@example.org,Twin\n"
            "alice\n"
            "ALICE@example.org\n"
            "ada\n"
            "tara,T,ta,extra\n",
            "line 2: ian is an instructor of this course: instructors need no enrollment",
            "line 3: bob is a student of Fall 2026, another run of this course",
            "line 4: unknown role 'teacher' (student or ta)",
            "line 5: no username or e-mail",
            "line 6: 2 accounts have the e-mail 'shared@example.org': give the username",
            "line 8: alice is already on line 7",
            "line 9: ada is an admin: admins need no enrollment",
            "line 10: more than 3 columns; the columns are " + roster.COLUMNS,
        )

    def test_the_errors_are_escaped_on_the_page(self):
        response = self.upload("<b>x</b>\n")
        self.assertContains(response, "&#x27;&lt;b&gt;x&lt;/b&gt;&#x27;", status_code=400)

    def test_it_refuses_a_file_that_is_not_utf_8(self):
        self.assert_refused("bob,Bób\n".encode("latin-1"),
                            'The file is not UTF-8 text: byte 6 (0xF3, on line 1) is not valid UTF-8. '
                            'Save it again as "CSV UTF-8".')

    def test_the_byte_position_counts_the_byte_order_mark(self):
        self.assert_refused(codecs.BOM_UTF8 + b"bob\n\xff\n",
                            'The file is not UTF-8 text: byte 8 (0xFF, on line 2) is not valid UTF-8. '
                            'Save it again as "CSV UTF-8".')

    def test_it_refuses_a_file_without_rows(self):
        self.assert_refused("username,name,role\n\n", f"The file has no rows. It needs {roster.FORMAT}.")

    def test_it_refuses_an_empty_file(self):
        response = self.upload("")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "The submitted file is empty.", status_code=400)
        self.assertEqual(roster.import_roster(self.run, b"", self.ian).errors,
                         [f"The file has no rows. It needs {roster.FORMAT}."])

    def test_it_takes_a_file_of_one_megabyte(self):
        self.upload("bob\n" + "\n" * (roster.MAX_BYTES - 4))
        self.assertIn("bob", self.roster())

    def test_it_refuses_a_file_over_one_megabyte(self):
        self.assert_refused("bob\n" + "\n" * (roster.MAX_BYTES - 3),
                            "The file is larger than 1 MB: split it in several.")

    def test_it_refuses_more_than_5000_rows(self):
        self.assert_refused("x\n" * 5001,
                            "The file has 5001 rows; at most 5000 are imported at once: split it in several.")

    def test_the_summary_counts_many_new_roles(self):
        result = roster.ImportResult(new_roles=[(self.alice, "ta")] * 11)
        self.assertEqual(result.summary, "0 added, 0 already on the roster; 11 with a new role")
