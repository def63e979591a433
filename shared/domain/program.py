"""The program's own words (seed: start-a-group.txt), used by emails and the API."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's marker: translated where shown (scripts/i18n.py)
    return message


STEP_TITLES = {
    "learn_more": N_("Step 1: Learn More"),
    "organize_core": N_("Step 2: Organize a Core"),
    "step_up_activism": N_("Step 3: Step up your Activism"),
    "get_chartered": N_("Step 4: Get Chartered"),
    "develop_plan": N_("Step 5: Develop a Plan"),
    "active": N_("Active chartered group"),
    "closed": N_("Closed"),
}

STEP_TEXTS = {
    "learn_more": N_(
        "Set up an informal conversation with one of our Field Organizers or Area Coordinators "
        "to see if the local group work is a good fit for you and what it takes to start a local group."
    ),
    "organize_core": N_(
        "Once you've decided local group work is for you, it's time to tap into your network of "
        "friends, neighbors and co-workers to see who might be interested in learning more about "
        "Amnesty's work and possibly joining your group. You can start by gathering about 3-5 people "
        "who will be the core of your local group."
    ),
    "step_up_activism": N_(
        "Together your core group will decide what aspects of Amnesty's work you want to focus on and "
        "how your group plans to recruit new members! After a few months of meetings with your new "
        "group, you'll step up your activism by taking action on human rights violations through "
        "letter writing, recruiting new members, and organizing a first event."
    ),
    "get_chartered": N_(
        "Once your local group has a solid foundation of members and activities, it will have the "
        "opportunity to get chartered for official AI recognition. At this time, your group will be "
        "offered the opportunity to take on an individual case, receive a local group number and a set "
        "of orientation materials to deepen and expand your activism and connect you to other groups."
    ),
    "develop_plan": N_(
        "Now that your group is chartered and organized, it's time to develop a plan that will help you "
        "strengthen your connection to Amnesty's work and your local community. Your group will explore "
        "how it wants to campaign on its assigned case and on Amnesty's national human rights campaigns "
        "and how it wants to grow its members and relationships with other local organizations engaged "
        "with human rights."
    ),
    "active": N_(
        "Your group is chartered and has a plan. Your Field Organizer and Area Coordinator "
        "will keep supporting your group's development."
    ),
    "closed": N_("This group is closed. It can be reopened at the stage it left by your organizer."),
}
