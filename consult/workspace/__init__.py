"""The organisation's workspace: delegates of one organisation prepare a comment or an amendment together,
agree, and submit it as the organisation's."""
